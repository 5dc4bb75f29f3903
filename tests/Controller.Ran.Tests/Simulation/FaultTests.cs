using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Simulation;

public sealed class FaultTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly RanSimulator _simulator;
    private readonly RegionTopology _region;

    public FaultTests()
    {
        _simulator = new RanSimulator(new RanSimulatorOptions
        {
            Settings = [new("aps", "2"), new("users", "5")],
            Regions = 2,
            TimeProvider = _time,
        });
        _region = _simulator.Topology.Regions[0];
    }

    /// <summary>Applies one valid decision to r000, one second later, and returns the slot the next sample must reach.</summary>
    private long Step()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        var telemetry = _simulator.PullTelemetry("r000");
        return _simulator.PushDecisions("r000", Decisions.Serve(_region, telemetry)).Slot + 1;
    }

    [Theory]
    [InlineData(RanFaultKind.NanGains, TelemetryDefect.NonFiniteValue)]
    [InlineData(RanFaultKind.NegativeGains, TelemetryDefect.NegativeValue)]
    [InlineData(RanFaultKind.MissingGains, TelemetryDefect.MissingValues)]
    [InlineData(RanFaultKind.UnknownIds, TelemetryDefect.UnknownIds)]
    [InlineData(RanFaultKind.LateSample, TelemetryDefect.Late)]
    public void InjectFault_TwoPulls_TwoFaultySamplesThenCleanAgain(RanFaultKind kind, TelemetryDefect defect)
    {
        Step();
        var expectedSlot = Step();
        var clean = _simulator.PullTelemetry("r000");

        _simulator.InjectFault("r000", new RanFault(kind, Pulls: 2));
        var first = _simulator.PullTelemetry("r000");
        var otherRegion = _simulator.PullTelemetry("r001");
        var second = _simulator.PullTelemetry("r000");
        var third = _simulator.PullTelemetry("r000");

        Assert.Equal(defect, TelemetryCheck.Check(_region, first, expectedSlot, clean.Timestamp).Defect);
        Assert.Equal(defect, TelemetryCheck.Check(_region, second, expectedSlot, clean.Timestamp).Defect);
        Assert.Same(clean, third);
        Assert.True(TelemetryCheck.Check(_region, third, expectedSlot, clean.Timestamp).IsUsable);
        Assert.True(TelemetryCheck.Check(_simulator.Topology.Regions[1], otherRegion, 0, null).IsUsable);
    }

    [Fact]
    public void InjectFault_NanGains_OneGainNaNOthersIntact()
    {
        var clean = _simulator.PullTelemetry("r000");

        _simulator.InjectFault("r000", new RanFault(RanFaultKind.NanGains));
        var faulty = _simulator.PullTelemetry("r000");

        var serving = _region.ServingCell[0];
        Assert.True(double.IsNaN(faulty.Gains[0][serving]));
        Assert.False(double.IsNaN(clean.Gains[0][serving]));
        Assert.Equal(clean.Gains[1], faulty.Gains[1]);
        Assert.Equal(clean.Slot, faulty.Slot);
    }

    [Fact]
    public void InjectFault_MissingGainsAndUnknownIds_RowCountDiffersFromTopology()
    {
        _simulator.InjectFault("r000", new RanFault(RanFaultKind.MissingGains));
        var missing = _simulator.PullTelemetry("r000");
        _simulator.InjectFault("r000", new RanFault(RanFaultKind.UnknownIds));
        var unknown = _simulator.PullTelemetry("r000");

        Assert.Equal(4, missing.Gains.Count);
        Assert.Equal(6, unknown.Gains.Count);
        Assert.Equal(6, unknown.Active.Count);
        Assert.Equal(6, unknown.Demands.Count);
    }

    [Fact]
    public void InjectFault_LateSample_PreviousSlotWithItsOlderTimestamp()
    {
        Step();
        var previous = _simulator.PullTelemetry("r000");
        Step();

        _simulator.InjectFault("r000", new RanFault(RanFaultKind.LateSample));
        var late = _simulator.PullTelemetry("r000");

        // The previous slot again, value for value (rebuilt: the simulator keeps values, not old snapshots).
        Assert.Equal(previous.Slot, late.Slot);
        Assert.Equal(previous.Timestamp, late.Timestamp);
        Assert.Equal(previous.Gains, late.Gains);
        Assert.Equal(previous.Active, late.Active);
        Assert.Equal(previous.Rates, late.Rates);
        Assert.Equal(previous.Demands, late.Demands);
        Assert.Equal(2, _simulator.PullTelemetry("r000").Slot);
    }

    [Fact]
    public void InjectFault_LateSampleBeforeAnyDecision_OneSlotAndOneSecondBeforeTheFirst()
    {
        var first = _simulator.PullTelemetry("r000");

        _simulator.InjectFault("r000", new RanFault(RanFaultKind.LateSample));
        var late = _simulator.PullTelemetry("r000");

        Assert.Equal(-1, late.Slot);
        Assert.Equal(first.Timestamp - TimeSpan.FromSeconds(1), late.Timestamp);
        Assert.Equal(TelemetryDefect.Late, TelemetryCheck.Check(_region, late, 0, null).Defect);
    }

    [Fact]
    public async Task InjectFault_Unavailable_PullsAndPushesThrowUntilPullsUsedUp()
    {
        var telemetry = _simulator.PullTelemetry("r000");
        var decision = Decisions.Serve(_region, telemetry);

        _simulator.InjectFault("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 2));
        var pull = await Assert.ThrowsAsync<RanUnavailableException>(() => _simulator.PullTelemetryAsync("r000", CancellationToken.None));
        var push = await Assert.ThrowsAsync<RanUnavailableException>(() => _simulator.PushDecisionsAsync("r000", decision, CancellationToken.None));
        Assert.Throws<RanUnavailableException>(() => _simulator.PullTelemetry("r000"));

        Assert.Equal("Region 'r000' is unavailable (injected fault, 1 more pulls).", pull.Message);
        Assert.Equal("Region 'r000' is unavailable (injected fault, 1 more pulls).", push.Message);
        Assert.Same(telemetry, _simulator.PullTelemetry("r000"));
        Assert.Equal(0, _simulator.PushDecisions("r000", decision).Slot);
        Assert.Equal(0, _simulator.PullTelemetry("r001").Slot);
    }

    [Fact]
    public void ClearFault_ActiveFault_NextPullClean()
    {
        var clean = _simulator.PullTelemetry("r000");
        _simulator.InjectFault("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 1000));

        _simulator.ClearFault("r000");

        Assert.Same(clean, _simulator.PullTelemetry("r000"));
    }

    [Fact]
    public void InjectFault_SecondFault_ReplacesTheFirst()
    {
        _simulator.InjectFault("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 5));

        _simulator.InjectFault("r000", new RanFault(RanFaultKind.NegativeGains, Pulls: 1));
        var faulty = _simulator.PullTelemetry("r000");

        Assert.Equal(TelemetryDefect.NegativeValue, TelemetryCheck.Check(_region, faulty, 0, null).Defect);
        Assert.True(TelemetryCheck.Check(_region, _simulator.PullTelemetry("r000"), 0, null).IsUsable);
    }

    [Theory]
    [InlineData("r009", 1, "Unknown region 'r009'; this RAN has regions r000 to r001.")]
    [InlineData("r000", 0, "A fault must last between 1 and 1000000 pulls (got 0).")]
    [InlineData("r000", 1_000_001, "A fault must last between 1 and 1000000 pulls (got 1000001).")]
    public void InjectFault_BadRegionOrPulls_ArgumentException(string regionId, int pulls, string message)
    {
        var exception = Assert.ThrowsAny<ArgumentException>(() => _simulator.InjectFault(regionId, new RanFault(RanFaultKind.NanGains, pulls)));

        Assert.Equal(message, exception.Message);
    }
}
