using Controller.Host.Benchmarks;
using Controller.Ran.Http;

namespace Controller.Host.Tests.Cluster;

/// <summary>What <c>bench failover</c> makes of the RAN's control log around a kill, on hand-made logs.</summary>
public sealed class FailoverAnalysisTests
{
    private static readonly DateTimeOffset _kill = new(2026, 1, 1, 0, 0, 10, TimeSpan.Zero);

    [Fact]
    public void Analyze_RegionOfTheKilledSilo_ResumesWithTheSurvivorsFirstDecision()
    {
        // A every 100 ms up to 9.9 s, killed at 10 s, B from 11.8 s on.
        var log = Log(Region("r000", Every("A", 9.0, 9.9), Every("B", 11.8, 12.4)));

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, "A", 100));

        Assert.Equal("A", region.ControllerBefore);
        Assert.Equal("B", region.ControllerAfter);
        Assert.True(region.Affected);
        Assert.Equal(1.8, region.ResumedAfterSeconds!.Value, 6);
        Assert.Equal(1.9, region.LongestGapSeconds, 6);
        // 1.9 s where one decision per 100 ms was due: 18 missing.
        Assert.Equal(18, region.LoopsLost);
        Assert.Equal(7, region.DecisionsAfterKill);
    }

    [Fact]
    public void Analyze_RegionOfASurvivor_ResumesAtItsNextDecisionAndLosesNothing()
    {
        var log = Log(Region("r001", Every("B", 9.0, 12.0)));

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, "A", 100));

        Assert.False(region.Affected);
        Assert.Equal(0.1, region.ResumedAfterSeconds!.Value, 6);
        Assert.Equal(0, region.LoopsLost);
    }

    [Fact]
    public void Analyze_ADecisionOfTheKilledControllerAfterTheKill_IsNoResumption()
    {
        // A push in flight when the signal came lands 5 ms later; the region is not controlled again by it.
        var log = Log(Region("r000", Every("A", 9.9, 9.9), Every("A", 10.005, 10.005), Every("B", 12.0, 12.0)));

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, "A", 100));

        Assert.Equal(2.0, region.ResumedAfterSeconds!.Value, 6);
        Assert.Equal(2, region.DecisionsAfterKill);
    }

    [Fact]
    public void Analyze_RegionThatNeverResumed_NullAndItsGapRunsToTheLogsTime()
    {
        var log = Log(Region("r000", Every("A", 9.0, 9.9))) with { Now = _kill.AddSeconds(60) };

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, "A", 100));

        Assert.Null(region.ResumedAfterSeconds);
        Assert.Null(region.ControllerAfter);
        Assert.Equal(60.1, region.LongestGapSeconds, 6);
    }

    [Fact]
    public void Analyze_UnnamedControllers_AnyLaterDecisionResumes()
    {
        var log = Log(Region("r000", Every(RanControlLog.Unidentified, 9.0, 9.9), Every(RanControlLog.Unidentified, 10.5, 11.0)));

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, victim: null, 100));

        Assert.False(region.Affected);
        Assert.Equal(0.5, region.ResumedAfterSeconds!.Value, 6);
        Assert.Equal(5, region.LoopsLost);
    }

    [Fact]
    public void Analyze_OverlapsAfterTheKill_Counted()
    {
        var interleaved = Every("B", 10.1, 10.5).Zip(Every("C", 10.15, 10.55), (b, c) => new[] { b, c }).SelectMany(p => p)
            .Select((d, i) => d with { Overlap = i > 1 }).ToArray();
        var log = Log(Region("r000", Every("A", 9.5, 9.9), interleaved));

        var region = Assert.Single(FailoverAnalysis.Analyze(log, _kill, "A", 100));

        Assert.Equal(8, region.Overlaps);
    }

    [Fact]
    public void RegionsPerController_CountsLastControllers()
    {
        var log = Log(Region("r000", Every("A", 9, 9)), Region("r001", Every("B", 9, 9)), Region("r002", Every("A", 9, 9)), Region("r003"));

        var counts = FailoverAnalysis.RegionsPerController(log);

        Assert.Equal(new Dictionary<string, int> { ["A"] = 2, ["B"] = 1 }, counts);
    }

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, 2)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)]
    public void Median_OddAndEvenCounts(double[] values, double expected) => Assert.Equal(expected, FailoverAnalysis.Median(values));

    [Fact]
    public void Median_Empty_Null() => Assert.Null(FailoverAnalysis.Median([]));

    /// <summary>Decisions of <paramref name="controller"/> every 100 ms from <paramref name="from"/> to <paramref name="to"/> seconds after the minute.</summary>
    private static AcceptedDecision[] Every(string controller, double from, double to) =>
        [.. Enumerable.Range(0, (int)Math.Round((to - from) / 0.1) + 1)
            .Select(i => new AcceptedDecision(_kill.AddSeconds(from - 10 + (i * 0.1)), controller, 0, Overlap: false))];

    private static RegionControlLog Region(string id, params AcceptedDecision[][] runs)
    {
        var recent = runs.SelectMany(r => r).ToList();
        return new RegionControlLog(id, recent.Count, recent.LastOrDefault()?.AtUtc, recent.LastOrDefault()?.ControllerId, recent.Count(d => d.Overlap), 0, 0, [], recent);
    }

    private static ControlLogSnapshot Log(params RegionControlLog[] regions) => new(_kill.AddSeconds(3), 25, 1000, regions);
}
