using Controller.Radio.Isac;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Simulation;

public sealed class IsacRegionTests
{
    private static readonly KeyValuePair<string, string>[] Moving = [new("targetSpeed", "2"), new("targetArea", "6")];

    private static RanSimulator Create(ulong seed = 4, IReadOnlyList<KeyValuePair<string, string>>? settings = null, string scenario = "isac") =>
        new(new RanSimulatorOptions { Scenario = scenario, Settings = settings ?? [], Regions = 1, Seed = seed, TimeProvider = new ManualTimeProvider() });

    /// <summary>The scenario's own configuration 0 of the seed, advanced to the simulator's slot.</summary>
    private static IsacScenario.IsacConfiguration Twin(ulong seed, int slot, IReadOnlyList<KeyValuePair<string, string>>? settings = null)
    {
        var scenario = ScenarioCatalog.Get("isac");
        var configuration = (IsacScenario.IsacConfiguration)scenario.CreateConfiguration(scenario.Resolve(settings ?? []), seed, 0);
        for (var s = 0; s <= slot; s++)
        {
            configuration.Advance();
        }

        return configuration;
    }

    private static IReadOnlyList<IReadOnlyList<double>> Blocks(IsacNetwork network, double[] design) =>
        [.. Enumerable.Range(0, network.BaseStations).Select(l => network.BeamBlock(l)).Select(b => (IReadOnlyList<double>)design.AsSpan(b.Start, b.Length).ToArray())];

    private static RegionDecision WithBeams(RegionTopology topology, RegionTelemetry telemetry, IReadOnlyList<IReadOnlyList<double>> beams) =>
        Decisions.Serve(topology, telemetry) with { Beams = beams };

    [Fact]
    public void Topology_IsacRegion_DescribesArraysTargetsAndEps()
    {
        var simulator = Create();
        var isac = simulator.Topology.Regions[0].Isac!;

        Assert.Equal(5, isac.Antennas);
        Assert.Equal(2, isac.Targets);
        Assert.Equal(3, isac.ArrayFacing.Count);
        Assert.Equal(2 * 3 * 2, isac.Reflection.Count);
        Assert.Equal(0.05, isac.RelativeError);
        Assert.Null(Create(scenario: "resilient-rrm", settings: [new("aps", "2"), new("users", "4")]).Topology.Regions[0].Isac);
    }

    [Fact]
    public void Pull_IsacRegion_ReportsTheEstimatesNotTheTrueChannel()
    {
        var telemetry = Create().PullTelemetry("r000");
        var twin = Twin(4, 0);
        var network = twin.Network;

        Assert.Equal(network.ErrorLength, telemetry.Isac!.Channels.Count);
        Assert.Equal(network.ChannelEstimate(2, 1, 3).Real, telemetry.Isac.Channels[network.ErrorIndex(2, 1, 3)]);
        Assert.Equal(network.ChannelEstimate(2, 1, 3).Imaginary, telemetry.Isac.Channels[network.ErrorIndex(2, 1, 3) + 1]);
        Assert.Equal([new Position(2, 5), new Position(-5, 1)], telemetry.Isac.Targets);
        Assert.Contains(twin.ChannelErrors.ToArray(), e => e != 0);
    }

    [Fact]
    public void Push_Beams_RatesUnderTheTrueChannelAndFiniteCrlb()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var twin = Twin(4, 0);
        var design = twin.Network.InitialBeams();

        var receipt = simulator.PushDecisions("r000", WithBeams(topology, telemetry, Blocks(twin.Network, design)));

        var expected = IsacSlot.Evaluate(twin.Network, design, twin.ChannelErrors);
        Assert.Equal(expected.Rates, receipt.Rates);
        Assert.True(receipt.Isac!.Beamformed);
        Assert.Equal(expected.Crlb, receipt.Isac.Crlb);
        Assert.True(double.IsFinite(receipt.Isac.Crlb) && receipt.Isac.Crlb > 0);
        Assert.Equal(receipt.Isac.Crlb, receipt.Isac.TargetCrlb.Sum(), 12);
        Assert.Equal(receipt.Rates.Sum(), receipt.Isac.TrueWsr, 9);
        Assert.NotEqual(receipt.Isac.NominalWsr, receipt.Isac.TrueWsr);
    }

    [Fact]
    public void Push_PowerOnly_MatchedBeamsAtTheDecidedPowers()
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var decision = Decisions.Serve(topology, telemetry, powerFraction: 0.5);
        var twin = Twin(4, 0);

        var receipt = simulator.PushDecisions("r000", decision);

        var expected = IsacSlot.Evaluate(twin.Network, IsacSlot.MatchedBeams(twin.Network, [.. decision.Power], [.. decision.ServedUser]), twin.ChannelErrors);
        Assert.False(receipt.Isac!.Beamformed);
        Assert.Equal(expected.Rates, receipt.Rates);
        Assert.Equal(expected.Crlb, receipt.Isac.Crlb);
    }

    public static TheoryData<string, string> MalformedBeams => new()
    {
        { "cells", "has beams for 2 cells; the region has 3 cells" },
        { "length", "Beams of cell 'r000/c01' have 59 numbers; it needs 60" },
        { "nan", "Beams of cell 'r000/c02' have NaN at position 7; every number must be finite" },
        { "infinity", "have Infinity at position 0" },
        { "budget", "above the cell's budget of 10000 mW" },
        { "null", "Beams of cell 'r000/c00' have 0 numbers" },
    };

    [Theory]
    [MemberData(nameof(MalformedBeams))]
    public void Push_MalformedBeams_RejectedWithReasonAndNothingApplied(string defect, string reason)
    {
        var simulator = Create();
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");
        var network = Twin(4, 0).Network;
        var blocks = Blocks(network, network.InitialBeams()).Select(b => b.ToArray()).ToArray();
        IReadOnlyList<IReadOnlyList<double>> beams = defect switch
        {
            "cells" => blocks[..2],
            "length" => [blocks[0], blocks[1][..^1], blocks[2]],
            "nan" => [blocks[0], blocks[1], [.. blocks[2][..7], double.NaN, .. blocks[2][8..]]],
            "infinity" => [[double.PositiveInfinity, .. blocks[0][1..]], blocks[1], blocks[2]],
            "budget" => [[.. blocks[0].Select(x => x * 1.01)], blocks[1], blocks[2]],
            _ => [null!, blocks[1], blocks[2]],
        };

        var error = Assert.Throws<RanRejectedException>(() => simulator.PushDecisions("r000", WithBeams(topology, telemetry, beams)));

        Assert.Equal(RanRejection.InvalidRequest, error.Reason);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Same(telemetry, simulator.PullTelemetry("r000"));
        var receipt = simulator.PushDecisions("r000", WithBeams(topology, telemetry, Blocks(network, network.InitialBeams())));
        Assert.Equal(telemetry.Slot, receipt.Slot);
    }

    [Fact]
    public void Push_BeamsToAPowerOnlyRegion_Rejected()
    {
        var simulator = Create(scenario: "resilient-rrm", settings: [new("aps", "2"), new("users", "4")]);
        var topology = simulator.Topology.Regions[0];
        var telemetry = simulator.PullTelemetry("r000");

        var error = Assert.Throws<RanRejectedException>(() => simulator.PushDecisions("r000", WithBeams(topology, telemetry, [[1.0], [1.0]])));

        Assert.Contains("transmit powers only; send no beams", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_MoveWithinTheAreaAndDeterministicallyPerSeed()
    {
        static List<Position[]> Track(ulong seed)
        {
            var simulator = Create(seed, Moving);
            var topology = simulator.Topology.Regions[0];
            var track = new List<Position[]>();
            for (var slot = 0; slot < 40; slot++)
            {
                var telemetry = simulator.PullTelemetry("r000");
                track.Add([.. telemetry.Isac!.Targets]);
                simulator.PushDecisions("r000", Decisions.Serve(topology, telemetry));
            }

            return track;
        }

        var first = Track(4);
        var again = Track(4);
        var other = Track(5);

        Assert.Equal(first.SelectMany(p => p), again.SelectMany(p => p));
        Assert.NotEqual(first.SelectMany(p => p), other.SelectMany(p => p));
        Assert.All(first.SelectMany(p => p), p => Assert.True(Math.Abs(p.X) <= 6 && Math.Abs(p.Y) <= 6, $"target at {p}"));
        for (var slot = 1; slot < first.Count; slot++)
        {
            for (var j = 0; j < 2; j++)
            {
                var step = Math.Sqrt(Math.Pow(first[slot][j].X - first[slot - 1][j].X, 2) + Math.Pow(first[slot][j].Y - first[slot - 1][j].Y, 2));
                Assert.InRange(step, 1e-9, 2 + 1e-9);
            }
        }

        // 40 steps of 2 m in a 12 m box: every target meets a wall, where one of its coordinates turns back.
        for (var j = 0; j < 2; j++)
        {
            var target = j;
            Assert.Contains(Enumerable.Range(2, first.Count - 2), slot =>
                (first[slot][target].X - first[slot - 1][target].X) * (first[slot - 1][target].X - first[slot - 2][target].X) < 0
                || (first[slot][target].Y - first[slot - 1][target].Y) * (first[slot - 1][target].Y - first[slot - 2][target].Y) < 0);
        }
    }
}
