using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Randomness;

namespace Controller.Policies.Tests.Models;

public sealed class ResilientGnnModelTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(2, 16, 4, 40, 1.0)]
    [InlineData(3, 8, 5, 23, 0.6)]
    [InlineData(2, 64, 10, 100, 0.8)]
    [InlineData(1, 5, 1, 3, 1.0)]
    public void Run_RandomGraphs_MatchesEdgeByEdgeReference(int layers, int hidden, int cells, int users, double activity)
    {
        var artifact = Artifact(layers, hidden);
        var configuration = FixedConfiguration.Cellular(cells, users, seed: (ulong)(users + cells), activity);
        var features = Features(users, configuration.Active, seed: 3);

        var (power, selection) = RunOne(artifact, configuration, features);
        var reference = Reference.ResilientGnn(artifact, configuration.Gains, configuration.ServingTransmitter.ToArray(), configuration.Constants.Noise, configuration.Constants.MaxPower, features, configuration.Active);

        AssertClose(reference.Power, power, configuration.Constants.MaxPower * 1e-5);
        AssertClose(reference.Selection, selection, 1e-5);
    }

    [Fact]
    public void Run_CellsWithoutActiveUsers_GetNoPowerAndInactiveUsersNoSelection()
    {
        var artifact = Artifact(2, 16);
        var configuration = FixedConfiguration.Cellular(4, 20, seed: 9);
        for (var j = 0; j < 20; j++)
        {
            configuration.Active[j] = configuration.ServingTransmitter[j] != 2 && j % 3 != 0;
        }

        var (power, selection) = RunOne(artifact, configuration, Features(20, configuration.Active, seed: 1));

        Assert.Equal(0, power[2]);
        foreach (var c in (int[])[0, 1, 3])
        {
            Assert.InRange(power[c], 1e-12, configuration.Constants.MaxPower);
        }
        for (var j = 0; j < 20; j++)
        {
            if (!configuration.Active[j])
            {
                Assert.Equal(0, selection[j]);
            }
        }

        for (var c = 0; c < 4; c++)
        {
            var sum = Enumerable.Range(0, 20).Where(j => configuration.ServingTransmitter[j] == c).Sum(j => selection[j]);
            Assert.Equal(c == 2 ? 0 : 1, sum, 1e-12);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_UsersPermuted_OutputsPermuteWithThem(bool acrossCells)
    {
        var artifact = Artifact(2, 16);
        const int Users = 30;
        var configuration = FixedConfiguration.Cellular(4, Users, seed: 21, activity: 0.7);
        var features = Features(Users, configuration.Active, seed: 2);
        var random = new SeededRandom(5);
        var serving = configuration.ServingTransmitter.ToArray();
        // permutation[j] = where user j goes. Within cells: users only trade places with users of their cell.
        var permutation = acrossCells ? Shuffle(Enumerable.Range(0, Users).ToArray(), random) : WithinCells(serving, random);
        var permuted = new FixedConfiguration(4, Permute(serving, permutation), configuration.Constants);
        for (var j = 0; j < Users; j++)
        {
            configuration.Gains.Row(j).CopyTo(permuted.Gains.Row(permutation[j]));
            permuted.Active[permutation[j]] = configuration.Active[j];
        }

        var (power, selection) = RunOne(artifact, configuration, features);
        var (permutedPower, permutedSelection) = RunOne(artifact, permuted, Permute(features, permutation));

        AssertClose(power, permutedPower, configuration.Constants.MaxPower * 1e-6);
        AssertClose(Permute(selection, permutation), permutedSelection, 1e-6);
    }

    [Fact]
    public void Run_CellsPermuted_PowersPermuteAndSelectionsStay()
    {
        var artifact = Artifact(2, 16);
        const int Users = 25;
        const int Cells = 5;
        var configuration = FixedConfiguration.Cellular(Cells, Users, seed: 33, activity: 0.8);
        var features = Features(Users, configuration.Active, seed: 4);
        var cellPermutation = Shuffle(Enumerable.Range(0, Cells).ToArray(), new SeededRandom(8));
        var permuted = new FixedConfiguration(Cells, [.. configuration.ServingTransmitter.ToArray().Select(c => cellPermutation[c])], configuration.Constants);
        for (var j = 0; j < Users; j++)
        {
            for (var c = 0; c < Cells; c++)
            {
                permuted.Gains[j, cellPermutation[c]] = configuration.Gains[j, c];
            }

            permuted.Active[j] = configuration.Active[j];
        }

        var (power, selection) = RunOne(artifact, configuration, features);
        var (permutedPower, permutedSelection) = RunOne(artifact, permuted, features);

        AssertClose(Permute(power, cellPermutation), permutedPower, configuration.Constants.MaxPower * 1e-6);
        AssertClose(selection, permutedSelection, 1e-6);
    }

    [Fact]
    public void Run_BatchOfGraphs_EqualsOneGraphAtATime()
    {
        var artifact = Artifact(2, 16);
        var weights = ResilientGnnWeights.From(artifact);
        var configurations = new[] { FixedConfiguration.Cellular(4, 40, 1, 0.9), FixedConfiguration.Cellular(3, 7, 2), FixedConfiguration.Cellular(6, 61, 3, 0.5) };
        var features = configurations.Select((c, i) => Features(c.Receivers, c.Active, (ulong)i)).ToArray();
        var batch = new ResilientGnnBatch();
        var graphs = new List<UserGraph>();
        foreach (var (configuration, i) in configurations.Select((c, i) => (c, i)))
        {
            var graph = new UserGraph();
            graph.Build(configuration.Gains, configuration.ServingTransmitter, configuration.Constants.Noise, configuration.Constants.MaxPower);
            graphs.Add(graph);
            batch.Add(graph, features[i], configuration.Active, configuration.Constants.MaxPower);
        }

        var batched = new ResilientGnnModel(weights);
        batched.Run(batch);

        Assert.Equal(3, batch.Graphs);
        Assert.Equal(108, batch.Nodes);
        Assert.Equal(13, batch.Cells);
        for (var g = 0; g < configurations.Length; g++)
        {
            var (power, selection) = RunOne(artifact, configurations[g], features[g]);
            Assert.Equal(power, batched.Power[batch.CellStart(g)..batch.CellStart(g + 1)].ToArray());
            Assert.Equal(selection, batched.Selection[batch.NodeStart(g)..batch.NodeStart(g + 1)].ToArray());
        }
    }

    [Fact]
    public void Run_AfterWarmUp_AllocatesNothing()
    {
        var weights = ResilientGnnWeights.From(Artifact(2, 64));
        var model = new ResilientGnnModel(weights);
        var batch = new ResilientGnnBatch();
        var configurations = new[] { FixedConfiguration.Cellular(10, 100, 1, 0.9), FixedConfiguration.Cellular(4, 40, 2) };
        var graph = new UserGraph();
        var features = configurations.Select(c => Features(c.Receivers, c.Active, 1)).ToArray();

        void Step()
        {
            batch.Clear();
            for (var i = 0; i < configurations.Length; i++)
            {
                var c = configurations[i];
                graph.Build(c.Gains, c.ServingTransmitter, c.Constants.Noise, c.Constants.MaxPower);
                batch.Add(graph, features[i], c.Active, c.Constants.MaxPower);
            }

            model.Run(batch);
        }

        for (var i = 0; i < 50; i++)
        {
            Step();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static double[] Features(int users, bool[] active, ulong seed)
    {
        var random = new SeededRandom(seed);
        return [.. Enumerable.Range(0, users).Select(j => active[j] ? Math.Log(1 + random.NextDouble(0, 50)) : 0)];
    }

    internal static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"index {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3})");
        }
    }

    private static (double[] Power, double[] Selection) RunOne(PolicyArtifact artifact, FixedConfiguration configuration, double[] features)
    {
        var graph = new UserGraph();
        graph.Build(configuration.Gains, configuration.ServingTransmitter, configuration.Constants.Noise, configuration.Constants.MaxPower);
        var batch = new ResilientGnnBatch();
        batch.Add(graph, features, configuration.Active, configuration.Constants.MaxPower);
        var model = new ResilientGnnModel(ResilientGnnWeights.From(artifact));
        model.Run(batch);
        return (model.Power.ToArray(), model.Selection.ToArray());
    }

    private static T[] Permute<T>(T[] values, int[] permutation)
    {
        var result = new T[values.Length];
        for (var j = 0; j < values.Length; j++)
        {
            result[permutation[j]] = values[j];
        }

        return result;
    }

    private static int[] Shuffle(int[] values, SeededRandom random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var k = random.NextInt(i + 1);
            (values[i], values[k]) = (values[k], values[i]);
        }

        return values;
    }

    private static int[] WithinCells(int[] serving, SeededRandom random)
    {
        var permutation = new int[serving.Length];
        foreach (var group in Enumerable.Range(0, serving.Length).GroupBy(j => serving[j]))
        {
            var members = group.ToArray();
            var targets = Shuffle(members.ToArray(), random);
            for (var i = 0; i < members.Length; i++)
            {
                permutation[members[i]] = targets[i];
            }
        }

        return permutation;
    }

    private PolicyArtifact Artifact(int layers, int hidden)
        => TestArtifacts.Random(_temp.Combine($"gnn-{layers}-{hidden}"), TestArtifacts.ResilientManifest(layers, hidden), seed: (ulong)(layers * 100 + hidden));
}
