using Controller.Optimization.Dbinum;

namespace Controller.Grains;

/// <summary>How a DBiNUM user reports its true, unknown utility (paper 000 Sec. 6).</summary>
[GenerateSerializer]
[Alias("dbinum-feedback-kind")]
public enum DbinumFeedbackKind
{
    /// <summary>Gradient queries <c>U~'(x)</c>.</summary>
    Gradient,

    /// <summary>Value queries <c>U~(x)</c> only; the user grain estimates the gradient with the two-point estimator (eq. 18).</summary>
    Value,
}

/// <summary>How a user joins a DBiNUM run.</summary>
/// <param name="InitialAlpha">alpha_0 (projected onto A).</param>
/// <param name="InitialRate">x_0 &gt; 0.</param>
/// <param name="Route">Cells (links) the user's flow crosses; signals must come in this order.</param>
/// <param name="Feedback">How the user reports its utility.</param>
/// <param name="Smoothing">Two-point smoothing radius delta (value feedback); ignored for gradient feedback.</param>
/// <param name="Seed">Run seed of the two-point directions.</param>
/// <param name="Stream">The user's stream of that seed (its index in the run).</param>
/// <param name="Options">Step sizes, regularizer and bounds of A.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-user-setup")]
public sealed record DbinumUserSetup(
    double InitialAlpha,
    double InitialRate,
    IReadOnlyList<string> Route,
    DbinumFeedbackKind Feedback,
    double Smoothing,
    ulong Seed,
    int Stream,
    DbinumOptions Options);

/// <summary>What a user tells its links in an exchange (step 2): its rate x_r and auxiliary v_r.</summary>
/// <param name="Rate">x_r.</param>
/// <param name="Auxiliary">v_r.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-user-report")]
public readonly record struct DbinumUserReport(double Rate, double Auxiliary);

/// <summary>
/// Where a user's utility must be queried this round: the gradient at <paramref name="Rate"/> (gradient
/// feedback), or the values at <paramref name="Rate"/> and <paramref name="ProbeRate"/> = x + delta u (value feedback).
/// </summary>
/// <param name="Rate">x_r.</param>
/// <param name="ProbeRate">x_r + delta u for value feedback; null for gradient feedback.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-probe")]
public sealed record DbinumProbe(double Rate, double? ProbeRate);

/// <summary>The answer to a <see cref="DbinumProbe"/>; use <see cref="FromGradient"/> or <see cref="FromValues"/>.</summary>
/// <param name="Gradient"><c>U~'(x)</c> (gradient feedback).</param>
/// <param name="Value"><c>U~(x)</c> (value feedback).</param>
/// <param name="ProbeValue"><c>U~(x + delta u)</c> (value feedback).</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-feedback")]
public sealed record DbinumFeedback(double? Gradient, double? Value, double? ProbeValue)
{
    /// <summary>Gradient feedback <c>U~'(x)</c>.</summary>
    public static DbinumFeedback FromGradient(double gradient) => new(gradient, null, null);

    /// <summary>Value feedback at the probe's two rates.</summary>
    public static DbinumFeedback FromValues(double value, double probeValue) => new(null, value, probeValue);
}

/// <summary>How a cell takes part in a DBiNUM run as a link.</summary>
/// <param name="Capacity">P (c_l).</param>
/// <param name="BarrierWeight">tau of the link's log barrier.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-link-setup")]
public sealed record DbinumLinkSetup(double Capacity, double BarrierWeight);

/// <summary>A DBiNUM link's state after its last exchange (paper 000 Sec. 3).</summary>
/// <param name="Capacity">P.</param>
/// <param name="BarrierWeight">tau.</param>
/// <param name="Load">y, the sum of the reported rates.</param>
/// <param name="AuxiliarySum">s, the sum of the reported v.</param>
/// <param name="Users">Users that reported.</param>
/// <param name="Price">B'(y) = tau / (P - y).</param>
/// <param name="Curvature">h = B''(y) = tau / (P - y)^2.</param>
/// <param name="Exchanges">Exchanges answered since the link joined the run.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-link-view")]
public sealed record DbinumLinkView(double Capacity, double BarrierWeight, double Load, double AuxiliarySum, int Users, double Price, double Curvature, long Exchanges);

/// <summary>Everything a link grain holds (persisted, and its view for the API).</summary>
[GenerateSerializer]
[Alias("link-state")]
public sealed class LinkState
{
    /// <summary>Region of the link's cell.</summary>
    [Id(0)]
    public string Region { get; set; } = "";

    /// <summary>Paper 000's link state, when the link takes part in a DBiNUM run.</summary>
    [Id(1)]
    public DbinumLinkView? Dbinum { get; set; }
}
