namespace Controller.Host.Tests.Cli;

/// <summary>
/// Tests that count a demo's control loops in a fixed wall-clock time run in this collection, after the parallel ones and
/// one at a time. The demo, its timers and (in some tests) the RAN server share this test process's thread pool and the
/// machine's two cores with the other test classes; under the load of the CPU-bound reproduction tests a 2 s demo once
/// completed no loop at all, which says nothing about the demo.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedDemoRunsAlone
{
    public const string Name = "timed demo runs (run alone)";
}
