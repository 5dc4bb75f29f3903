using Controller.Learning.Models;
using Controller.Policies;
using Controller.Policies.Models;
using Controller.Radio.Channels;

namespace Controller.Learning.Tests;

/// <summary>A batch reused across runs (its buffers keep the previous run's values) answers as a fresh one.</summary>
public sealed class DenseGnnBatchTests
{
    [Fact]
    public void A_reused_batch_answers_smaller_graphs_after_larger_ones_exactly_as_a_fresh_batch()
    {
        var artifact = new LearnedPolicies().Load("resilient-gnn-m4-n40");
        using var net = TorchArtifacts.LoadResilient(artifact);
        var random = new Random(5);
        var large = new[] { Slot(random, 40, 4), Slot(random, 33, 5) };
        var small = new[] { Slot(random, 9, 3), Slot(random, 17, 2), Slot(random, 12, 4) };
        var reused = new DenseGnnBatch();
        Add(reused, large);
        reused.Run(net);
        reused.Clear();
        Add(reused, small);
        var fresh = new DenseGnnBatch();
        Add(fresh, small);

        var again = reused.Run(net);
        var expected = fresh.Run(net);

        for (var g = 0; g < small.Length; g++)
        {
            Assert.Equal(expected[g].Power, again[g].Power);
            Assert.Equal(expected[g].Selection, again[g].Selection);
        }
    }

    private static void Add(DenseGnnBatch batch, (UserGraph Graph, double[] Features, bool[] Active)[] slots)
    {
        foreach (var (graph, features, active) in slots)
        {
            batch.Add(graph, features, active, 10);
        }
    }

    private static (UserGraph Graph, double[] Features, bool[] Active) Slot(Random random, int users, int cells)
    {
        var gains = new GainMatrix(users, cells);
        for (var u = 0; u < users; u++)
        {
            for (var c = 0; c < cells; c++)
            {
                gains[u, c] = Math.Exp(-6 + (4 * random.NextDouble()));
            }
        }

        var graph = new UserGraph();
        graph.Build(gains, [.. Enumerable.Range(0, users).Select(u => u % cells)], 1e-3, 10);
        return (graph, [.. Enumerable.Range(0, users).Select(_ => random.NextDouble() * 2)], [.. Enumerable.Range(0, users).Select(_ => random.NextDouble() < 0.8)]);
    }
}
