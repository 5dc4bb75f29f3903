using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Channels;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Simulation;

public sealed class RanSimulatorTests
{
    private static readonly KeyValuePair<string, string>[] SmallRrm = [new("aps", "3"), new("users", "12")];

    private static RanSimulator Create(ulong seed = 5, int regions = 2, IReadOnlyList<KeyValuePair<string, string>>? settings = null, string scenario = "resilient-rrm", TimeProvider? time = null) =>
        new(new RanSimulatorOptions
        {
            Scenario = scenario,
            Settings = settings ?? SmallRrm,
            Regions = regions,
            Seed = seed,
            TimeProvider = time ?? new ManualTimeProvider(),
        });

    [Fact]
    public void Constructor_Defaults_ResilientRrmWithIdsPerRegion()
    {
        var simulator = new RanSimulator(new RanSimulatorOptions { Regions = 2 });

        Assert.Equal("resilient-rrm", simulator.Scenario);
        var region = simulator.Topology.Regions[1];
        Assert.Equal("r001", region.RegionId);
        Assert.Equal(["r001/c00", "r001/c01", "r001/c02", "r001/c03"], region.CellIds);
        Assert.Equal(40, region.UserIds.Count);
        Assert.Equal("r001/u000", region.UserIds[0]);
        Assert.Equal("r001/u039", region.UserIds[^1]);
        Assert.Equal("mW", region.PowerUnit);
        Assert.Equal(10.0, region.MaxPower, 12);
    }

    [Fact]
    public void Topology_RegionI_IsConfigurationIOfTheSeed()
    {
        var simulator = Create(seed: 9, regions: 3);
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var configuration = scenario.CreateConfiguration(scenario.Resolve(SmallRrm), 9, 2);
        configuration.Advance();

        var region = simulator.Topology.Regions[2];
        var telemetry = simulator.PullTelemetry("r002");

        Assert.Equal(configuration.ServingTransmitter.ToArray(), region.ServingCell);
        Assert.Equal(configuration.Constants.Noise, region.Noise);
        for (var u = 0; u < configuration.Receivers; u++)
        {
            Assert.Equal(configuration.Gains.Row(u).ToArray(), telemetry.Gains[u]);
        }
    }

    [Fact]
    public void PullAndPush_SameSeedAndDecisions_SameTelemetry()
    {
        var first = Create(seed: 11);
        var second = Create(seed: 11);

        for (var slot = 0; slot < 30; slot++)
        {
            foreach (var region in first.Topology.Regions)
            {
                var a = first.PullTelemetry(region.RegionId);
                var b = second.PullTelemetry(region.RegionId);
                AssertSameSample(a, b);
                var decision = Decisions.Serve(region, a, 0.5, pick: slot);
                Assert.Equal(first.PushDecisions(region.RegionId, decision).Rates, second.PushDecisions(region.RegionId, decision).Rates);
            }
        }
    }

    [Fact]
    public void PullTelemetry_DifferentSeeds_DifferentGains()
    {
        var a = Create(seed: 1).PullTelemetry("r000");
        var b = Create(seed: 2).PullTelemetry("r000");

        Assert.NotEqual(a.Gains[0], b.Gains[0]);
    }

    [Fact]
    public void PullTelemetry_RegionsOfOneSimulator_DifferentGains()
    {
        var simulator = Create();

        Assert.NotEqual(simulator.PullTelemetry("r000").Gains[0], simulator.PullTelemetry("r001").Gains[0]);
    }

    [Fact]
    public void PullTelemetry_BeforeAnyDecision_SlotZeroRatesZeroTimestampFromClock()
    {
        var time = new ManualTimeProvider();
        var simulator = Create(time: time);

        var telemetry = simulator.PullTelemetry("r000");

        Assert.Equal(0, telemetry.Slot);
        Assert.Equal(time.GetUtcNow(), telemetry.Timestamp);
        Assert.All(telemetry.Rates, rate => Assert.Equal(0.0, rate));
        Assert.All(telemetry.Demands, demand => Assert.Equal(1.0, demand));
        Assert.All(telemetry.Active, Assert.True);
        Assert.Equal(12, telemetry.Gains.Count);
        Assert.All(telemetry.Gains, row => Assert.Equal(3, row.Count));
    }

    [Fact]
    public void PushDecisions_ValidDecision_RatesAreShannonRatesOfTheSlotGains()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var decision = Decisions.Serve(topology, telemetry, 0.7);
        decision = decision with { Power = [.. decision.Power.Select((p, c) => p * (c + 1) / 3)] };

        var receipt = simulator.PushDecisions("r000", decision);

        // Recomputed here from the definition: SINR = G[u,c] p_c / (noise + sum_{k != c} G[u,k] p_k).
        var expected = new double[topology.UserIds.Count];
        for (var c = 0; c < decision.Power.Count; c++)
        {
            var u = decision.ServedUser[c];
            if (u < 0)
            {
                continue;
            }

            var interference = 0.0;
            for (var k = 0; k < decision.Power.Count; k++)
            {
                if (k != c)
                {
                    interference += telemetry.Gains[u][k] * decision.Power[k];
                }
            }

            expected[u] = Math.Log2(1 + (telemetry.Gains[u][c] * decision.Power[c] / (topology.Noise + interference)));
        }

        Assert.Equal(0, receipt.Slot);
        Assert.Contains(expected, rate => rate > 0);
        Assert.Equal(expected.Length, receipt.Rates.Count);
        for (var u = 0; u < expected.Length; u++)
        {
            Assert.Equal(expected[u], receipt.Rates[u], 12);
        }

        var gains = new GainMatrix(topology.UserIds.Count, topology.CellIds.Count);
        for (var u = 0; u < gains.Receivers; u++)
        {
            telemetry.Gains[u].ToArray().CopyTo(gains.Row(u));
        }

        var shared = new double[gains.Receivers];
        Sinr.ComputeRates(gains, decision.ServedUser.ToArray(), decision.Power.ToArray(), topology.Noise, shared);
        Assert.Equal(shared, receipt.Rates);
        Assert.Equal(receipt.Rates, simulator.PullTelemetry("r000").Rates);
    }

    [Fact]
    public void PushDecisions_ValidDecision_AdvancesOneSlotWithNewGainsAndTimestamp()
    {
        var time = new ManualTimeProvider();
        var simulator = Create(time: time);
        var before = simulator.PullTelemetry("r000");
        time.Advance(TimeSpan.FromMilliseconds(100));

        simulator.PushDecisions("r000", Decisions.Serve(simulator.Topology.Regions[0], before));
        var after = simulator.PullTelemetry("r000");

        Assert.Equal(1, after.Slot);
        Assert.Equal(time.GetUtcNow(), after.Timestamp);
        Assert.NotEqual(before.Gains[0], after.Gains[0]);
        Assert.Equal(0, simulator.PullTelemetry("r001").Slot);
    }

    [Fact]
    public void PushDecisions_RejectedDecision_SlotAndGainsUnchanged()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var before = simulator.PullTelemetry("r000");
        var invalid = Decisions.Serve(topology, before) with { Power = [.. Enumerable.Repeat(topology.MaxPower * 2, topology.CellIds.Count)] };

        Assert.Throws<RanRejectedException>(() => simulator.PushDecisions("r000", invalid));
        var after = simulator.PullTelemetry("r000");

        Assert.Same(before, after);
        Assert.Equal(0, after.Slot);
    }

    [Fact]
    public void PullTelemetry_SameSlotTwice_SameSnapshotAndOldSnapshotNotOverwritten()
    {
        var simulator = Create();
        var first = simulator.PullTelemetry("r000");
        var copy = first.Gains.Select(row => row.ToArray()).ToArray();

        Assert.Same(first, simulator.PullTelemetry("r000"));
        simulator.PushDecisions("r000", Decisions.Serve(simulator.Topology.Regions[0], first));
        simulator.PushDecisions("r000", Decisions.Serve(simulator.Topology.Regions[0], simulator.PullTelemetry("r000")));

        Assert.Equal(copy, first.Gains.Select(row => row.ToArray()).ToArray());
        Assert.Equal(0, first.Slot);
    }

    [Fact]
    public void PushDecisions_CellOffWithoutUserAndFullPower_Accepted()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var decision = Decisions.Serve(topology, telemetry);
        var served = decision.ServedUser.ToArray();
        var power = decision.Power.ToArray();
        served[0] = -1;
        power[0] = 0;

        var receipt = simulator.PushDecisions("r000", new RegionDecision(0, power, served));

        Assert.Equal(0, receipt.Slot);
        Assert.All(Enumerable.Range(0, topology.UserIds.Count).Where(u => topology.ServingCell[u] == 0), u => Assert.Equal(0.0, receipt.Rates[u]));
    }

    public static TheoryData<string, string> InvalidDecisions => new()
    {
        { "slot", "The decision is for slot 4 but region 'r000' is at slot 0; pull its telemetry again." },
        { "power-count", "The decision for region 'r000' has 2 powers; the region has 3 cells." },
        { "served-count", "The decision for region 'r000' has 4 served users; the region has 3 cells." },
        { "power-nan", "Power of cell 'r000/c01' is NaN; it must be a finite number in [0, 10] mW." },
        { "power-infinite", "Power of cell 'r000/c01' is Infinity; it must be a finite number in [0, 10] mW." },
        { "power-negative", "Power of cell 'r000/c01' is -0.5; it must be a finite number in [0, 10] mW." },
        { "power-above-max", "Power of cell 'r000/c01' is 10.1; it must be a finite number in [0, 10] mW." },
        { "no-user-with-power", "Cell 'r000/c01' serves no user (-1) but has power 1; a cell without a user must have power 0." },
        { "user-below-range", "Cell 'r000/c01' serves user index -2; it must be -1 (none) or in [0, 11]." },
        { "user-above-range", "Cell 'r000/c01' serves user index 12; it must be -1 (none) or in [0, 11]." },
        { "user-of-other-cell", "Cell 'r000/c01' serves user 'r000/u{0}', which is associated with cell 'r000/c{1}'." },
    };

    [Theory]
    [MemberData(nameof(InvalidDecisions))]
    public void PushDecisions_InvalidDecision_RejectedWithPreciseMessage(string defect, string message)
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var valid = Decisions.Serve(topology, simulator.PullTelemetry("r000"));
        var power = valid.Power.ToArray();
        var served = valid.ServedUser.ToArray();
        var foreign = Enumerable.Range(0, 12).First(u => topology.ServingCell[u] != 1);
        var decision = defect switch
        {
            "slot" => valid with { Slot = 4 },
            "power-count" => valid with { Power = power[..2] },
            "served-count" => valid with { ServedUser = [.. served, -1] },
            "power-nan" => valid with { Power = With(power, 1, double.NaN) },
            "power-infinite" => valid with { Power = With(power, 1, double.PositiveInfinity) },
            "power-negative" => valid with { Power = With(power, 1, -0.5) },
            "power-above-max" => valid with { Power = With(power, 1, 10.1) },
            "no-user-with-power" => new RegionDecision(0, With(power, 1, 1.0), With(served, 1, -1)),
            "user-below-range" => valid with { ServedUser = With(served, 1, -2) },
            "user-above-range" => valid with { ServedUser = With(served, 1, 12) },
            _ => valid with { ServedUser = With(served, 1, foreign) },
        };

        var exception = Assert.Throws<RanRejectedException>(() => simulator.PushDecisions("r000", decision));

        var expected = string.Format(System.Globalization.CultureInfo.InvariantCulture, message, foreign.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), topology.ServingCell[foreign].ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, exception.Message);
        Assert.Equal(defect == "slot" ? RanRejection.WrongSlot : RanRejection.InvalidRequest, exception.Reason);
        Assert.Equal(0, simulator.PullTelemetry("r000").Slot);
    }

    [Fact]
    public void PushDecisions_PowerARoundingErrorAbovePmax_AcceptedAsPmax()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var atMax = Decisions.Serve(topology, telemetry);
        var nudged = atMax with { Power = [.. atMax.Power.Select(p => p * (1 + 1e-12))] };
        var reference = Create();
        reference.PullTelemetry("r000");

        var receipt = simulator.PushDecisions("r000", nudged);

        Assert.Equal(reference.PushDecisions("r000", atMax).Rates, receipt.Rates);
    }

    [Fact]
    public void PushDecisions_InactiveUser_Rejected()
    {
        // gaussian-ic with activity 0.5: each link is active with probability 1/2 per slot.
        var simulator = Create(settings: [new("links", "8"), new("activity", "0.5")], scenario: "gaussian-ic");
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var inactive = Enumerable.Range(0, 8).First(u => !telemetry.Active[u]);
        var decision = Decisions.Serve(topology, telemetry);
        var served = decision.ServedUser.ToArray();
        var power = decision.Power.ToArray();
        served[inactive] = inactive;
        power[inactive] = 1;

        var exception = Assert.Throws<RanRejectedException>(() => simulator.PushDecisions("r000", new RegionDecision(0, power, served)));

        Assert.Equal($"Cell 'r000/c{inactive:D2}' serves user 'r000/u{inactive:D3}', which is not active in slot 0.", exception.Message);
        Assert.Equal(-1, decision.ServedUser[inactive]);
        Assert.Equal(0, simulator.PushDecisions("r000", decision).Slot);
    }

    [Fact]
    public async Task PullAndPush_UnknownRegion_RejectedAsUnknownId()
    {
        var simulator = Create();

        var pull = await Assert.ThrowsAsync<RanRejectedException>(() => simulator.PullTelemetryAsync("r002", CancellationToken.None));
        var push = await Assert.ThrowsAsync<RanRejectedException>(() => simulator.PushDecisionsAsync("x", new RegionDecision(0, [], []), CancellationToken.None));

        Assert.Equal(RanRejection.UnknownId, pull.Reason);
        Assert.Equal("Unknown region 'r002'; this RAN has regions r000 to r001.", pull.Message);
        Assert.Equal(RanRejection.UnknownId, push.Reason);
    }

    [Fact]
    public void PullAndPush_RegionsInParallel_SameResultsAsOneAtATime()
    {
        var parallel = Create(regions: 16);
        var sequential = Create(regions: 16);

        Parallel.ForEach(parallel.Topology.Regions, region => RunLoops(parallel, region, 25));
        foreach (var region in sequential.Topology.Regions)
        {
            RunLoops(sequential, region, 25);
        }

        foreach (var region in parallel.Topology.Regions)
        {
            AssertSameSample(sequential.PullTelemetry(region.RegionId), parallel.PullTelemetry(region.RegionId));
        }
    }

    [Fact]
    public void PushDecisions_ManyCallersOnOneRegion_SameReceiptsAsOneCaller()
    {
        // Every user is always active in resilient-rrm, so one decision fits every slot; a region of 400 gains
        // makes applying a decision take long enough for callers to overlap.
        var settings = new KeyValuePair<string, string>[] { new("aps", "4"), new("users", "100") };
        var simulator = Create(regions: 1, settings: settings);
        var decision = Decisions.Serve(simulator.Topology.Regions[0], simulator.PullTelemetry("r000"));
        var receipts = new System.Collections.Concurrent.ConcurrentBag<DecisionReceipt>();
        var wrongSlot = 0;
        using var start = new Barrier(4);
        var callers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 500; i++)
            {
                var telemetry = simulator.PullTelemetry("r000");
                try
                {
                    receipts.Add(simulator.PushDecisions("r000", decision with { Slot = telemetry.Slot }));
                }
                catch (RanRejectedException exception) when (exception.Reason == RanRejection.WrongSlot)
                {
                    Interlocked.Increment(ref wrongSlot);
                }
            }
        })).ToArray();
        Array.ForEach(callers, thread => thread.Start());
        Array.ForEach(callers, thread => thread.Join());

        // Callers racing on one slot: one decision wins, the others are told to pull again, and the region
        // evolves exactly as if one caller had applied the decisions in turn.
        var reference = Create(regions: 1, settings: settings);
        var ordered = receipts.OrderBy(r => r.Slot).ToArray();
        Assert.Equal(2000, ordered.Length + wrongSlot);
        Assert.Equal(ordered.Length, simulator.PullTelemetry("r000").Slot);
        for (var slot = 0; slot < ordered.Length; slot++)
        {
            Assert.Equal(slot, ordered[slot].Slot);
            Assert.Equal(reference.PushDecisions("r000", decision with { Slot = slot }).Rates, ordered[slot].Rates);
        }
    }

    [Fact]
    public void Constructor_BadOptions_ClearErrors()
    {
        var regions = Assert.Throws<RanArgumentException>(() => new RanSimulator(new RanSimulatorOptions { Regions = 0 }));
        var scenario = Assert.Throws<RadioInputException>(() => new RanSimulator(new RanSimulatorOptions { Scenario = "nope" }));
        var setting = Assert.Throws<RadioInputException>(() => new RanSimulator(new RanSimulatorOptions { Settings = [new("users", "0")] }));
        var size = Assert.Throws<RadioInputException>(() => new RanSimulator(new RanSimulatorOptions { Regions = 100_000, Settings = [new("users", "16384"), new("aps", "1")] }));

        Assert.Equal("The number of regions must be in [1, 100000] (got 0).", regions.Message);
        Assert.StartsWith("Unknown scenario 'nope'; known: ", scenario.Message, StringComparison.Ordinal);
        Assert.Equal("Setting 'users' of scenario 'resilient-rrm' got '0'; it must be an integer in [1, 16384].", setting.Message);
        Assert.Contains("above the simulator's limit", size.Message, StringComparison.Ordinal);
    }

    private static void RunLoops(RanSimulator simulator, RegionTopology region, int loops)
    {
        for (var i = 0; i < loops; i++)
        {
            var telemetry = simulator.PullTelemetry(region.RegionId);
            simulator.PushDecisions(region.RegionId, Decisions.Serve(region, telemetry, 0.8, pick: i));
        }
    }

    private static void AssertSameSample(RegionTelemetry expected, RegionTelemetry actual)
    {
        Assert.Equal(expected.RegionId, actual.RegionId);
        Assert.Equal(expected.Slot, actual.Slot);
        Assert.Equal(expected.Gains.Count, actual.Gains.Count);
        for (var u = 0; u < expected.Gains.Count; u++)
        {
            Assert.Equal(expected.Gains[u], actual.Gains[u]);
        }

        Assert.Equal(expected.Active, actual.Active);
        Assert.Equal(expected.Rates, actual.Rates);
        Assert.Equal(expected.Demands, actual.Demands);
    }

    private static T[] With<T>(T[] values, int index, T value)
    {
        var copy = (T[])values.Clone();
        copy[index] = value;
        return copy;
    }
}
