using Controller.Host.Benchmarks;
using Controller.Host.Hosting;

namespace Controller.Host.Tests.Cluster;

/// <summary>
/// The cluster of issue 18 for real: redis-server or Azurite's table service for membership, Azurite for state, the RAN
/// simulator and 3 control silos + 1 inference silo as processes (<see cref="LocalCluster"/>); the control silo with the
/// most regions is SIGKILLed under load. Asserted from the RAN's control log and a survivor's API: every region completes
/// loops again (within a generous 60 s, no timing asserted), the operator's settings survive, no region is ever controlled
/// by two silos at once. Every child process dies with the cluster, the test host or not.
/// </summary>
[Collection(ClusterRunsAlone.Name)]
[Trait("Category", "Process")]
[Trait("Category", "Azurite")]
[Trait("Category", "Redis")]
public sealed class ClusterFailoverProcessTests
{
    [Theory]
    [InlineData("redis")]
    [InlineData("azure-table")]
    public async Task KillingTheControlSiloWithTheMostRegions_EveryRegionResumesWithSettingsAndNoOverlap(string membership)
    {
        var progress = new StringWriter();
        var settings = new FailoverSettings(
            new LocalClusterOptions
            {
                ControlSilos = 3,
                InferenceSilos = 1,
                Membership = membership,
                Regions = 6,
                PeriodMs = 100,
                Executable = new LocalClusterExecutable("dotnet", [Path.Combine(AppContext.BaseDirectory, "controller.dll")]),
            },
            Runs: 1,
            WarmupSeconds: 3,
            RebalanceSeconds: 0);

        var run = Assert.Single(await FailoverBenchmark.RunAsync(settings, TextWriter.Synchronized(progress), CancellationToken.None));

        var report = $"{FailoverReport.Line(run)}\n{string.Join('\n', run.Regions)}\n{progress}";
        // The killed silo controlled regions (the silos name themselves in their pushes), and those came back elsewhere.
        Assert.True(run.VictimController is not null && run.VictimRegions > 0, $"the killed silo controlled no region that the RAN could name:\n{report}");
        Assert.All(run.Regions, region =>
        {
            Assert.True(region.ResumedAfterSeconds is not null, $"{region.RegionId} never had a decision accepted again:\n{report}");
            Assert.True(region.DecisionsAfterKill >= 3, $"{region.RegionId} completed fewer than 3 loops after the kill:\n{report}");
            Assert.NotEqual(run.VictimController, region.ControllerAfter);
        });
        Assert.Contains(run.Regions, r => r.Affected);
        Assert.All(run.Settings, s => Assert.False(s.Lost, $"{s.Kind} of {s.Target}: set {s.Set}, read back {s.ReadBack ?? "nothing"}\n{report}"));
        Assert.Equal(0, run.OverlapsTotal);
    }
}

/// <summary>Whole clusters on the machine's two cores: one at a time, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterRunsAlone
{
    public const string Name = "cluster process tests (run alone)";
}
