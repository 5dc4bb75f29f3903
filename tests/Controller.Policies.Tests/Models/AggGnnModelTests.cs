using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Randomness;

namespace Controller.Policies.Tests.Models;

public sealed class AggGnnModelTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(5, 3, 4)]
    [InlineData(10, 10, 10)]
    [InlineData(1, 2, 3)]
    [InlineData(7, 1, 1)]
    [InlineData(4, 2, 9)]
    public void Run_RandomSequences_MatchesTapByTapReference(int length, int layers, int filter)
    {
        var artifact = Artifact(length, layers, filter);
        var sequences = Sequences(37, length, seed: 5);
        var probability = new double[37];

        new AggGnnModel(AggGnnWeights.From(artifact)).Run(sequences, probability);

        for (var i = 0; i < 37; i++)
        {
            var expected = Reference.AggGnn(artifact, sequences.AsSpan(i * length, length).ToArray());
            Assert.True(Math.Abs(expected - probability[i]) <= 1e-6, $"node {i}: {expected:R} vs {probability[i]:R}");
        }
    }

    [Fact]
    public void Run_NodesPermuted_ProbabilitiesPermuteWithThem()
    {
        const int Length = 5;
        const int Nodes = 23;
        var model = new AggGnnModel(AggGnnWeights.From(Artifact(Length, 3, 4)));
        var sequences = Sequences(Nodes, Length, seed: 6);
        var permutation = Enumerable.Range(0, Nodes).Select(i => (i * 7) % Nodes).ToArray();
        var permuted = new double[sequences.Length];
        for (var i = 0; i < Nodes; i++)
        {
            sequences.AsSpan(i * Length, Length).CopyTo(permuted.AsSpan(permutation[i] * Length, Length));
        }

        var probability = new double[Nodes];
        var permutedProbability = new double[Nodes];
        model.Run(sequences, probability);
        model.Run(permuted, permutedProbability);

        for (var i = 0; i < Nodes; i++)
        {
            Assert.Equal(probability[i], permutedProbability[permutation[i]]);
        }
    }

    [Fact]
    public void Run_Batch_EqualsOneNodeAtATime()
    {
        const int Length = 6;
        const int Nodes = 41;
        var weights = AggGnnWeights.From(Artifact(Length, 4, 5));
        var sequences = Sequences(Nodes, Length, seed: 7);
        var batched = new double[Nodes];
        new AggGnnModel(weights).Run(sequences, batched);

        var single = new AggGnnModel(weights);
        var one = new double[1];
        for (var i = 0; i < Nodes; i++)
        {
            single.Run(sequences.AsSpan(i * Length, Length), one);
            Assert.Equal(batched[i], one[0]);
        }
    }

    [Fact]
    public void Run_AfterWarmUp_AllocatesNothing()
    {
        var model = new AggGnnModel(AggGnnWeights.From(Artifact(10, 10, 10)));
        var sequences = Sequences(400, 10, seed: 8);
        var probability = new double[400];
        for (var i = 0; i < 50; i++)
        {
            model.Run(sequences, probability);
            model.Run(sequences.AsSpan(0, 30), probability.AsSpan(0, 3));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            model.Run(sequences, probability);
            model.Run(sequences.AsSpan(0, 30), probability.AsSpan(0, 3));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Run_WrongSequenceLength_Rejected()
    {
        var model = new AggGnnModel(AggGnnWeights.From(Artifact(5, 3, 4)));

        var error = Assert.Throws<ArgumentException>(() => model.Run(new double[9], new double[2]));

        Assert.Contains("Expected 2 sequences of length 5 (10 values), got 9 values.", error.Message, StringComparison.Ordinal);
    }

    internal static double[] Sequences(int nodes, int length, ulong seed)
    {
        var random = new SeededRandom(seed);
        // Aggregated log-SNR states: y^(0) around 10, later hops larger sums of weighted states.
        return [.. Enumerable.Range(0, nodes * length).Select(i => random.NextDouble(0, 12) * (1 + (i % length)))];
    }

    private PolicyArtifact Artifact(int length, int layers, int filter)
        => TestArtifacts.Random(_temp.Combine($"agg-{length}-{layers}-{filter}"), TestArtifacts.AggManifest(length, layers, filter), seed: (ulong)(length * 10_000 + layers * 100 + filter));
}
