using Controller.Learning.Models;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Channels;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>
/// The TorchSharp networks and the managed CPU models compute the same function: on every committed artifact, with graphs
/// of several sizes batched together (so padding is exercised), outputs agree within 1e-5.
/// </summary>
public sealed class ManagedAgreementTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> ResilientArtifacts() => Artifacts(ResilientGnnHyperparameters.Name);

    public static TheoryData<string> AggArtifacts() => Artifacts(AggGnnHyperparameters.Name);

    public static TheoryData<string> SelArtifacts() => Artifacts(SelGnnHyperparameters.Name);

    [Theory]
    [MemberData(nameof(ResilientArtifacts))]
    public void ResilientGnn_TorchSharp_Matches_Managed(string name)
    {
        var artifact = new LearnedPolicies().Load(name);
        using var net = TorchArtifacts.LoadResilient(artifact);
        var managed = new ResilientGnnModel(ResilientGnnWeights.From(artifact));
        var random = new Random(17);
        var dense = new DenseGnnBatch();
        var sizes = new[] { (40, 4), (12, 3), (40, 4), (25, 6) };
        var expected = new List<(double[] Power, double[] Selection)>();
        foreach (var (users, cells) in sizes)
        {
            var (graph, features, active) = RandomSlot(random, users, cells, maxPower: 10);
            var batch = new ResilientGnnBatch();
            batch.Add(graph, features, active, 10);
            managed.Run(batch);
            expected.Add((managed.Power.ToArray(), managed.Selection.ToArray()));
            dense.Add(graph, features, active, 10);
        }

        var actual = dense.Run(net);
        for (var g = 0; g < sizes.Length; g++)
        {
            AssertClose(expected[g].Power, actual[g].Power, $"{name} graph {g} power");
            AssertClose(expected[g].Selection, actual[g].Selection, $"{name} graph {g} selection");
        }
    }

    [Theory]
    [MemberData(nameof(AggArtifacts))]
    public void AggGnn_TorchSharp_Matches_Managed(string name)
    {
        var artifact = new LearnedPolicies().Load(name);
        using var net = TorchArtifacts.LoadAgg(artifact);
        var managed = new AggGnnModel(AggGnnWeights.From(artifact));
        var k = net.Hyperparameters.SequenceLength;
        var sequences = RealSequences(artifact, out var nodes);
        var expected = new double[nodes];
        managed.Run(sequences, expected);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        net.to(ScalarType.Float64);
        var actual = net.Forward(tensor(sequences, [nodes, k])).data<double>().ToArray();
        AssertClose(expected, actual, name);
    }

    [Theory]
    [MemberData(nameof(SelArtifacts))]
    public void SelGnn_TorchSharp_Matches_Managed(string name)
    {
        var artifact = new LearnedPolicies().Load(name);
        using var net = TorchArtifacts.LoadSel(artifact);
        var managed = new SelGnnModel(SelGnnWeights.From(artifact));
        // Channels of the scenario the artifact was trained on, at its size and at twice it (the model is size-free).
        var pairs = int.Parse(artifact.Manifest.Training!.Settings["pairs"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var m in new[] { pairs, 2 * pairs })
        {
            var scenario = ScenarioCatalog.Get("agg-gnn");
            var configuration = scenario.CreateConfiguration(scenario.Resolve([new("pairs", m.ToString(System.Globalization.CultureInfo.InvariantCulture))]), 5, 0);
            configuration.Advance();
            var gains = new double[m * m];
            for (var i = 0; i < m; i++)
            {
                configuration.Gains.Row(i).CopyTo(gains.AsSpan(i * m, m));
            }

            var deciding = Enumerable.Range(0, m).Select(i => i % 5 != 2).ToArray();
            var expected = new double[m];
            managed.Run(m, gains, configuration.Constants.Noise, deciding, expected);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            net.to(ScalarType.Float64);
            var logits = net.Logits(tensor(gains, [1, m, m]) / Scalars.Of(configuration.Constants.Noise), tensor(deciding, [1, m]));
            AssertClose(expected, logits.sigmoid().data<double>().ToArray(), $"{name} m={m}");
        }
    }

    [Fact]
    public void ResilientGnn_Is_Permutation_Equivariant_Over_Users()
    {
        var artifact = new LearnedPolicies().Load("resilient-gnn-m4-n40");
        using var net = TorchArtifacts.LoadResilient(artifact);
        var random = new Random(3);
        const int Users = 20;
        const int Cells = 4;
        var gains = RandomGains(random, Users, Cells);
        var serving = Enumerable.Range(0, Users).Select(u => u % Cells).ToArray();
        var features = Enumerable.Range(0, Users).Select(_ => random.NextDouble() * 3).ToArray();
        var active = Enumerable.Range(0, Users).Select(u => u % 7 != 3).ToArray();
        var permutation = Enumerable.Range(0, Users).OrderBy(_ => random.Next()).ToArray();

        var original = Run(net, gains, serving, features, active);
        var permutedGains = new GainMatrix(Users, Cells);
        for (var u = 0; u < Users; u++)
        {
            for (var c = 0; c < Cells; c++)
            {
                permutedGains[u, c] = gains[permutation[u], c];
            }
        }

        var permuted = Run(
            net,
            permutedGains,
            [.. permutation.Select(p => serving[p])],
            [.. permutation.Select(p => features[p])],
            [.. permutation.Select(p => active[p])]);
        AssertClose(original.Power, permuted.Power, "power (cells are not permuted)");
        AssertClose([.. permutation.Select(p => original.Selection[p])], permuted.Selection, "selection follows its user");
        Assert.Contains(original.Selection, p => p > 0 && p < 1);
    }

    /// <summary>Aggregation sequences as the controller builds them: the artifact's policy run for 30 slots of its own scenario, every node's sequence of every slot.</summary>
    private static double[] RealSequences(PolicyArtifact artifact, out int nodes)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve(artifact.Manifest.Training!.Settings);
        var configuration = scenario.CreateConfiguration(settings, 13, 0);
        var policy = AggGnnPolicy.Create(AggGnnWeights.From(artifact), LearnedPolicies.DefaultEdgeThreshold(artifact), 13, 0);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
        var decision = new SlotDecision(configuration.Transmitters);
        var all = new List<double>();
        for (var slot = 0; slot < 30; slot++)
        {
            configuration.Advance();
            policy.Decide(configuration, fairness, decision);
            foreach (var node in policy.Nodes)
            {
                all.AddRange(node.Sequence.ToArray());
            }
        }

        nodes = all.Count / policy.Nodes[0].Length;
        return [.. all];
    }

    private static (double[] Power, double[] Selection) Run(ResilientGnnNet net, GainMatrix gains, int[] serving, double[] features, bool[] active)
    {
        var graph = new UserGraph();
        graph.Build(gains, serving, 1e-3, 10);
        var dense = new DenseGnnBatch();
        dense.Add(graph, features, active, 10);
        return dense.Run(net)[0];
    }

    private static (UserGraph Graph, double[] Features, bool[] Active) RandomSlot(Random random, int users, int cells, double maxPower)
    {
        var gains = RandomGains(random, users, cells);
        var serving = Enumerable.Range(0, users).Select(u => u % cells).ToArray();
        var graph = new UserGraph();
        graph.Build(gains, serving, 1e-3, maxPower);
        var features = Enumerable.Range(0, users).Select(_ => random.NextDouble() * 3).ToArray();
        var active = Enumerable.Range(0, users).Select(_ => random.NextDouble() < 0.8).ToArray();
        for (var v = 0; v < users; v++)
        {
            features[v] = active[v] ? features[v] : 0;
        }

        return (graph, features, active);
    }

    private static GainMatrix RandomGains(Random random, int users, int cells)
    {
        var gains = new GainMatrix(users, cells);
        for (var u = 0; u < users; u++)
        {
            for (var c = 0; c < cells; c++)
            {
                gains[u, c] = Math.Exp(-6 + (4 * random.NextDouble())) * (c == u % cells ? 10 : 1);
            }
        }

        return gains;
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var scale = Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"{what}[{i}]: managed {expected[i]:R}, torchsharp {actual[i]:R}");
        }
    }

    internal static TheoryData<string> Artifacts(string architecture)
    {
        var data = new TheoryData<string>();
        var policies = new LearnedPolicies();
        foreach (var name in policies.AvailableArtifacts())
        {
            if (PolicyManifest.Read(Path.Combine(policies.ArtifactsRoot, name, "manifest.json")).Architecture == architecture)
            {
                data.Add(name);
            }
        }

        return data;
    }
}
