namespace Controller.Ran.Contract;

/// <summary>
/// Run-time control of a RAN that offers it (the simulator, and the HTTP client in front of one):
/// per-user demands and injected faults for tests and demos. A real RAN may implement only
/// <see cref="IRanAdapter"/>. Errors follow <see cref="IRanAdapter"/>: <see cref="RanRejectedException"/>
/// (unknown id, invalid value) and <see cref="RanUnavailableException"/>.
/// </summary>
public interface IRanControl
{
    /// <summary>Sets one user's minimum rate (bps/Hz, finite and not negative; 0 = none), visible from the next pull on.</summary>
    Task SetDemandAsync(string userId, double demand, CancellationToken cancellationToken);

    /// <summary>Makes the next <see cref="RanFault.Pulls"/> pulls of a region faulty; replaces a fault still active there.</summary>
    Task InjectFaultAsync(string regionId, RanFault fault, CancellationToken cancellationToken);

    /// <summary>Ends a region's fault before its pulls run out (no effect when none is active).</summary>
    Task ClearFaultAsync(string regionId, CancellationToken cancellationToken);
}

/// <summary>What goes wrong with a region's telemetry while a fault is active.</summary>
public enum RanFaultKind
{
    /// <summary>One gain of the telemetry is NaN.</summary>
    NanGains,

    /// <summary>One gain of the telemetry is negative.</summary>
    NegativeGains,

    /// <summary>The gain matrix lacks its last user's row.</summary>
    MissingGains,

    /// <summary>The telemetry carries one user more than the topology lists (a row, activity, rate and demand the controller cannot place).</summary>
    UnknownIds,

    /// <summary>
    /// A stale sample: the previous slot's telemetry again, with its older slot and timestamp (before the first
    /// decision, the current gains stamped one slot and one second earlier).
    /// </summary>
    LateSample,

    /// <summary>Pulls and pushes throw <see cref="RanUnavailableException"/>; only pulls use up the fault.</summary>
    Unavailable,
}

/// <summary>A fault to inject into a region.</summary>
/// <param name="Kind">What goes wrong.</param>
/// <param name="Pulls">How many pulls it affects before it clears itself, in [1, <see cref="MaxPulls"/>].</param>
public sealed record RanFault(RanFaultKind Kind, int Pulls = 1)
{
    /// <summary>Largest <see cref="Pulls"/>.</summary>
    public const int MaxPulls = 1_000_000;

    /// <summary>The name used on the wire and in messages, e.g. "nan-gains".</summary>
    public static string NameOf(RanFaultKind kind) => kind switch
    {
        RanFaultKind.NanGains => "nan-gains",
        RanFaultKind.NegativeGains => "negative-gains",
        RanFaultKind.MissingGains => "missing-gains",
        RanFaultKind.UnknownIds => "unknown-ids",
        RanFaultKind.LateSample => "late-sample",
        RanFaultKind.Unavailable => "unavailable",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fault kind."),
    };

    /// <summary>Parses a wire name such as "nan-gains"; false for anything else.</summary>
    public static bool TryParseKind(string? name, out RanFaultKind kind)
    {
        foreach (var candidate in Enum.GetValues<RanFaultKind>())
        {
            if (string.Equals(NameOf(candidate), name, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Every wire name, comma-separated, for error messages.</summary>
    public static string KnownNames => string.Join(", ", Enum.GetValues<RanFaultKind>().Select(NameOf));
}
