using System.Globalization;
using Controller.Optimization.Alcor;

namespace Controller.Grains;

/// <summary>A grain's state holds a number that is not finite; the grain refuses to store it.</summary>
public sealed class NonFiniteStateException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteStateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonFiniteStateException()
        : this("A grain's state holds a number that is not finite.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonFiniteStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The last line of defence before grain storage: every number a grain is about to store must be finite. Inputs
/// are checked where they enter (API, telemetry, grain calls); this check catches what an update rule computed
/// from them (a diverging dual, say), so that no NaN or infinity ever lands in a state file or blob.
/// </summary>
internal static class StateGuard
{
    public static void RequireFinite(UserState state, string grain)
    {
        Check(state.Demand, grain, "demand");
        Check(state.RateAverage, grain, "rate average");
        Check(state.LastRate, grain, "last rate");
        Check(state.Resilient.Lambda, grain, "resilient lambda");
        Check(state.Resilient.Mu, grain, "resilient mu");
        Check(state.Resilient.Slack, grain, "resilient slack");
        Check(state.Resilient.Rate, grain, "resilient rate");
        RequireFinite(state.Alcor, grain);
        if (state.Dbinum is { } dbinum)
        {
            Check(dbinum.Alpha, grain, "DBiNUM alpha");
            Check(dbinum.Rate, grain, "DBiNUM rate x");
            Check(dbinum.Auxiliary, grain, "DBiNUM v");
            Check(dbinum.Smoothing, grain, "DBiNUM smoothing");
            Check(dbinum.PendingDirection ?? 0, grain, "DBiNUM pending direction");
        }
    }

    public static void RequireFinite(in AlcorUserState alcor, string grain)
    {
        Check(alcor.Demand, grain, "ALCOR demand");
        Check(alcor.Lambda, grain, "ALCOR lambda");
        Check(alcor.LambdaBar, grain, "ALCOR lambda-bar");
        Check(alcor.PreviousLambdaBar, grain, "ALCOR previous lambda-bar");
        Check(alcor.Intermediate, grain, "ALCOR intermediate");
        Check(alcor.Kappa, grain, "ALCOR kappa");
        Check(alcor.BatchShortfallSum, grain, "ALCOR batch shortfall");
    }

    public static void RequireFinite(RegionState state, string grain)
    {
        foreach (var power in state.LastPower ?? [])
        {
            Check(power, grain, "last power");
        }

        foreach (var (user, demand) in state.DemandOverrides)
        {
            Check(demand, grain, string.Create(CultureInfo.InvariantCulture, $"demand override of '{user}'"));
        }

        if (state.CommunicationWeight is { } weight)
        {
            Check(weight, grain, "ISAC communication weight");
        }
    }

    public static void RequireFinite(LinkState state, string grain)
    {
        if (state.Dbinum is { } link)
        {
            Check(link.Capacity, grain, "capacity");
            Check(link.BarrierWeight, grain, "barrier weight");
            Check(link.Load, grain, "load");
            Check(link.AuxiliarySum, grain, "auxiliary sum");
            Check(link.Price, grain, "price");
            Check(link.Curvature, grain, "curvature");
        }
    }

    private static void Check(double value, string grain, string what)
    {
        if (!double.IsFinite(value))
        {
            throw new NonFiniteStateException(string.Create(CultureInfo.InvariantCulture, $"Grain '{grain}' refuses to store {what} = {value:R}: stored numbers must be finite; the last stored state stays."));
        }
    }
}
