using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Simulation;

public sealed class DemandTests
{
    private static RanSimulator Create(IReadOnlyList<DemandChange>? schedule = null, string fmin = "0.5") => new(new RanSimulatorOptions
    {
        Settings = [new("aps", "2"), new("users", "6"), new("fmin", fmin)],
        Regions = 2,
        TimeProvider = new ManualTimeProvider(),
        DemandSchedule = schedule ?? [],
    });

    private static void Step(RanSimulator simulator, string regionId)
    {
        var region = simulator.Topology.Regions.Single(r => r.RegionId == regionId);
        simulator.PushDecisions(regionId, Decisions.Serve(region, simulator.PullTelemetry(regionId)));
    }

    [Fact]
    public void PullTelemetry_NoChanges_DemandsAreTheScenarios()
    {
        var simulator = Create(fmin: "1.25");

        Assert.All(simulator.PullTelemetry("r001").Demands, d => Assert.Equal(1.25, d));
    }

    [Fact]
    public void SetDemand_KnownUser_VisibleInTheCurrentSlotAndKeptAfterwards()
    {
        var simulator = Create();
        var before = simulator.PullTelemetry("r001");

        simulator.SetDemand("r001/u004", 2.5);
        var now = simulator.PullTelemetry("r001");
        Step(simulator, "r001");
        var later = simulator.PullTelemetry("r001");

        Assert.Equal(0, now.Slot);
        Assert.Equal(2.5, now.Demands[4]);
        Assert.Equal(0.5, now.Demands[3]);
        Assert.Equal(2.5, later.Demands[4]);
        Assert.Equal(0.5, before.Demands[4]);
        Assert.All(simulator.PullTelemetry("r000").Demands, d => Assert.Equal(0.5, d));
    }

    [Fact]
    public void SetDemand_Zero_RemovesTheDemand()
    {
        var simulator = Create();

        simulator.SetDemand("r000/u000", 0);

        Assert.Equal(0.0, simulator.PullTelemetry("r000").Demands[0]);
    }

    [Theory]
    [InlineData("r000/u006", "Unknown user 'r000/u006'; user ids look like 'r000/u000' (this RAN has 2 regions of 6 users).")]
    [InlineData("r002/u000", "Unknown user 'r002/u000'; user ids look like 'r000/u000' (this RAN has 2 regions of 6 users).")]
    [InlineData("r000/u0", "Unknown user 'r000/u0'; user ids look like 'r000/u000' (this RAN has 2 regions of 6 users).")]
    public void SetDemand_UnknownUser_ArgumentExceptionNamingIt(string userId, string message)
    {
        var simulator = Create();

        var exception = Assert.Throws<RanArgumentException>(() => simulator.SetDemand(userId, 1));

        Assert.IsAssignableFrom<ArgumentException>(exception);
        Assert.Equal(message, exception.Message);
        Assert.Equal("userId", exception.ParamName);
    }

    [Theory]
    [InlineData(-0.1, "-0.1")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void SetDemand_NegativeOrNonFinite_ArgumentExceptionAndDemandUnchanged(double demand, string shown)
    {
        var simulator = Create();

        var exception = Assert.Throws<RanArgumentException>(() => simulator.SetDemand("r000/u001", demand));

        Assert.Equal($"Demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got {shown}).", exception.Message);
        Assert.Equal(0.5, simulator.PullTelemetry("r000").Demands[1]);
    }

    [Fact]
    public async Task SetDemandAsync_ThroughControlInterface_RejectionsCarryTheirReason()
    {
        IRanControl control = Create();

        var unknown = await Assert.ThrowsAsync<RanRejectedException>(() => control.SetDemandAsync("r000/u099", 1, CancellationToken.None));
        var invalid = await Assert.ThrowsAsync<RanRejectedException>(() => control.SetDemandAsync("r000/u001", double.NaN, CancellationToken.None));
        await control.SetDemandAsync("r000/u001", 3, CancellationToken.None);

        Assert.Equal(RanRejection.UnknownId, unknown.Reason);
        Assert.Equal(RanRejection.InvalidRequest, invalid.Reason);
        Assert.Equal(3.0, ((RanSimulator)control).PullTelemetry("r000").Demands[1]);
    }

    [Fact]
    public void DemandSchedule_Entries_ApplyWhenTheirRegionReachesTheSlot()
    {
        var simulator = Create(
        [
            new(0, "r000/u001", 1.0),
            new(2, "r000/u002", 2.0),
            new(2, "r000/u002", 2.5),
            new(1, "r001/u000", 0.0),
        ]);

        var slot0 = simulator.PullTelemetry("r000");
        Step(simulator, "r000");
        var slot1 = simulator.PullTelemetry("r000");
        Step(simulator, "r000");
        var slot2 = simulator.PullTelemetry("r000");

        Assert.Equal([0.5, 1.0, 0.5, 0.5, 0.5, 0.5], slot0.Demands);
        Assert.Equal(slot0.Demands, slot1.Demands);
        // Two changes for one slot: the later one in the list wins.
        Assert.Equal([0.5, 1.0, 2.5, 0.5, 0.5, 0.5], slot2.Demands);
        // Regions keep their own slots: r001 has not reached slot 1.
        Assert.Equal(0.5, simulator.PullTelemetry("r001").Demands[0]);
        Step(simulator, "r001");
        Assert.Equal(0.0, simulator.PullTelemetry("r001").Demands[0]);
    }

    [Fact]
    public void DemandSchedule_RunTimeChangeThenScheduledOne_ScheduleOverridesFromItsSlot()
    {
        var simulator = Create([new(1, "r000/u000", 4.0)]);

        simulator.SetDemand("r000/u000", 3.0);
        var slot0 = simulator.PullTelemetry("r000");
        Step(simulator, "r000");

        Assert.Equal(3.0, slot0.Demands[0]);
        Assert.Equal(4.0, simulator.PullTelemetry("r000").Demands[0]);
    }

    [Theory]
    [InlineData(0, "r000/u009", 1.0, "Demand schedule entry 1 names unknown user 'r000/u009'; user ids look like 'r000/u000'.")]
    [InlineData(-1, "r000/u001", 1.0, "Demand schedule entry 1 is for slot -1; slots start at 0.")]
    [InlineData(0, "r000/u001", -2.0, "Demand schedule entry 1: the demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got -2).")]
    [InlineData(0, "r000/u001", double.NaN, "Demand schedule entry 1: the demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got NaN).")]
    [InlineData(0, "r000/u001", 40.5, "Demand schedule entry 1: the demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got 40.5).")]
    public void Constructor_BadScheduleEntry_ArgumentExceptionNamingTheEntry(long slot, string userId, double demand, string message)
    {
        var exception = Assert.ThrowsAny<ArgumentException>(() => Create([new(3, "r000/u000", 1.0), new(slot, userId, demand)]));

        Assert.Equal(message, exception.Message);
    }
}
