namespace Controller.Ran.Simulation;

/// <summary>What the simulator simulates; checked when the <see cref="RanSimulator"/> is created.</summary>
public sealed class RanSimulatorOptions
{
    /// <summary>The scenario used when none is named.</summary>
    public const string DefaultScenario = "resilient-rrm";

    /// <summary>Largest <see cref="Regions"/>.</summary>
    public const int MaxRegions = 100_000;

    /// <summary>Largest total number of gains (regions x users x cells) one simulator holds (800 MB of doubles).</summary>
    public const long MaxGains = 100_000_000;

    /// <summary>Scenario name (see <c>controller scenario list</c>).</summary>
    public string Scenario { get; init; } = DefaultScenario;

    /// <summary>Overrides of the scenario's settings, as <c>--set key=value</c> gives them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>Independent regions; region i is configuration i of the scenario drawn with <see cref="Seed"/>.</summary>
    public int Regions { get; init; } = 1;

    /// <summary>Run seed: fixes every region's layout, channel and mobility.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Clock that stamps telemetry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Demand changes applied when a user's region reaches the given slot, in list order within a slot.</summary>
    public IReadOnlyList<DemandChange> DemandSchedule { get; init; } = [];
}

/// <summary>One scheduled demand change.</summary>
/// <param name="Slot">Region slot from which the demand applies (telemetry of that slot shows it).</param>
/// <param name="UserId">User id, e.g. "r000/u007".</param>
/// <param name="Demand">New minimum rate (bps/Hz, finite, not negative; 0 = none).</param>
public sealed record DemandChange(long Slot, string UserId, double Demand);
