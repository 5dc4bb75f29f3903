using Controller.Optimization.Resilient;

namespace Controller.Grains;

/// <summary>How the control plane runs its loops; checked by <see cref="Validate"/>.</summary>
public sealed record ControlPlaneOptions
{
    /// <summary>Policy of a region that has none stored and none given.</summary>
    public const string DefaultPolicy = "alcor(itlinq)";

    /// <summary>Shortest loop period (ms).</summary>
    public const int MinPeriodMs = 1;

    /// <summary>Longest loop period (ms).</summary>
    public const int MaxPeriodMs = 60_000;

    /// <summary>Largest demand an operator may set, bps/Hz (<see cref="Controller.Ran.Contract.RanLimits.MaxDemand"/>).</summary>
    public const double MaxDemand = Controller.Ran.Contract.RanLimits.MaxDemand;

    /// <summary>Policy of regions that have none stored.</summary>
    public string Policy { get; init; } = DefaultPolicy;

    /// <summary>Loop period of regions that have none stored (ms).</summary>
    public int PeriodMs { get; init; } = 100;

    /// <summary>How often a grain writes its state while it runs (it always writes when deactivated).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Timed loops ask users for their reports (average, lambda, mu, slack) every this many loops and update them
    /// one-way in between; 1 asks every loop. Loops run by hand (<see cref="IRegionGrain.RunLoopAsync"/>) always ask.
    /// Measured with <c>controller bench loop</c> (README of Controller.Grains): a reply per user per loop cost the
    /// control silo a response message, a callback and a task each, 200,000 times a second at the default load.
    /// </summary>
    public int UserReportEvery { get; init; } = 10;

    /// <summary>
    /// Period of each running region's watchdog reminder, which reactivates a region whose activation was lost (a
    /// silo died) so that its loop starts again. Orleans' default minimum reminder period is one minute.
    /// </summary>
    public TimeSpan LoopWatchdogPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// In a cluster, how often each control silo makes sure every region is active and running
    /// (<see cref="RegionSupervisor"/>), besides at start and whenever a silo is declared dead; null (the embedded
    /// demo, tests) runs no supervisor: the host starts the regions and the watchdog reminder is the only backstop.
    /// </summary>
    public TimeSpan? RegionSweepPeriod { get; init; }

    /// <summary>Seed of the policies' random draws (ALCOR's on-off, random-full-power); region i uses stream i.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Weight of the newest rate in users' exponential rate averages (the PF averages, beta).</summary>
    public double RateAverageWeight { get; init; } = Controller.Radio.Allocation.ProportionalFairSelector.DefaultBeta;

    /// <summary>
    /// When true, regions run <c>gnn:NAME</c> through the inference silo role (an <c>inference</c> grain per
    /// artifact that batches questions from many regions) instead of each region running the model itself.
    /// </summary>
    public bool InferenceSilo { get; init; }

    /// <summary>
    /// When true (the default), regions run <c>agg-gnn:NAME</c> decentralized: the cell grains hold the aggregation
    /// nodes and exchange each slot's K-1 scalars (paper 004 Algorithm 1); when false the region's policy keeps the
    /// nodes itself. Both decide the same; <c>alcor(agg-gnn:...)</c> always runs in the region.
    /// </summary>
    public bool AggregationThroughCells { get; init; } = true;

    /// <summary>Backend of the inference silo: "managed" (CPU, default) or "torchsharp" (libtorch through TorchSharp, CUDA when available; the host must register it).</summary>
    public string InferenceBackend { get; init; } = Inference.InferenceSilo.ManagedBackend;

    /// <summary>Step sizes of the users' resilient duals.</summary>
    public ResilientDualOptions Resilient { get; init; } = new() { RateStep = 0.05, SlackStep = 0.05, LambdaStep = 0.05, MuStep = 0.05 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Policy);
        if (PeriodMs is < MinPeriodMs or > MaxPeriodMs)
        {
            throw new ArgumentOutOfRangeException(nameof(PeriodMs), PeriodMs, $"The loop period must be in [{MinPeriodMs}, {MaxPeriodMs}] ms.");
        }

        if (UserReportEvery is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(UserReportEvery), UserReportEvery, "Users report every 1 to 10,000 loops.");
        }

        if (LoopWatchdogPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LoopWatchdogPeriod), LoopWatchdogPeriod, "The loop watchdog period must be positive.");
        }

        if (RegionSweepPeriod is { } sweep && (sweep < TimeSpan.FromMilliseconds(100) || sweep > TimeSpan.FromHours(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(RegionSweepPeriod), sweep, "The region sweep period must be between 100 ms and 1 hour.");
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, "The checkpoint interval must be positive.");
        }

        if (!(RateAverageWeight > 0 && RateAverageWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(RateAverageWeight), RateAverageWeight, "The rate average weight must be in (0, 1].");
        }

        if (!Inference.InferenceSilo.Backends.Contains(InferenceBackend))
        {
            throw new ArgumentOutOfRangeException(nameof(InferenceBackend), InferenceBackend, Inference.InferenceSilo.BackendMessage);
        }

        ArgumentNullException.ThrowIfNull(Resilient);
        Resilient.Validate();
    }
}
