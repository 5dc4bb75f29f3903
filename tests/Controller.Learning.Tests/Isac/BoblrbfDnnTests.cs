using Controller.Learning.Isac;
using Controller.Learning.Training;
using Controller.Optimization.Isac;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Isac;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Tests.Isac;

/// <summary>The BOBLRBF-DNN: designs within the budgets, batching that changes nothing, fronts as the solver filters them, training that learns.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class BoblrbfDnnTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-boblrbf-dnn-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Designs_of_a_net_with_large_random_outputs_respect_every_budget()
    {
        var networks = IsacTestInstances.Networks(201, 2, new KeyValuePair<string, string>("users", "2"));
        using var solver = new BoblrbfDnnSolver(RandomNet(seed: 4, layers: 4, outputScale: 5));
        var designs = solver.Designs(networks, 0.05, BoblrbfSolver.PreferenceAngles(3));
        var moved = 0;
        for (var i = 0; i < networks.Length; i++)
        {
            var start = networks[i].InitialBeams();
            foreach (var beams in designs[i])
            {
                for (var l = 0; l < networks[i].BaseStations; l++)
                {
                    Assert.True(networks[i].Power(beams, l) <= networks[i].PowerBudgets[l] * (1 + 1e-9), $"instance {i}, BS {l}: {networks[i].Power(beams, l)} > {networks[i].PowerBudgets[l]}");
                }

                moved += beams.Zip(start, (a, b) => Math.Abs(a - b)).Max() > 1e-3 * Math.Sqrt(networks[i].PowerBudgets.Max()) ? 1 : 0;
            }
        }

        // The designs left the start: the budgets held because of the projection, not because nothing moved.
        Assert.Equal(networks.Length * 3, moved);
    }

    [Fact]
    public void Batched_designs_equal_one_at_a_time()
    {
        var networks = IsacTestInstances.Networks(202, 3);
        using var solver = new BoblrbfDnnSolver(RandomNet(seed: 9, layers: 3, outputScale: 1));
        var angles = BoblrbfSolver.PreferenceAngles(4);
        var batched = solver.Designs(networks, 0.05, angles);
        for (var i = 0; i < networks.Length; i++)
        {
            for (var k = 0; k < angles.Length; k++)
            {
                var single = solver.Designs([networks[i]], 0.05, [angles[k]])[0][0];
                var scale = Math.Sqrt(networks[i].PowerBudgets.Max());
                for (var e = 0; e < single.Length; e++)
                {
                    Assert.True(Math.Abs(single[e] - batched[i][k][e]) <= 1e-9 * scale, $"instance {i}, preference {k}, entry {e}: {single[e]} vs {batched[i][k][e]}");
                }
            }
        }
    }

    [Fact]
    public void Committed_artifact_gives_a_mutually_non_dominated_front_with_a_trade_off()
    {
        Assert.True(Directory.Exists(BoblrbfDnnSolver.DefaultArtifactDirectory), BoblrbfDnnSolver.DefaultArtifactDirectory);
        using var solver = BoblrbfDnnSolver.Load(BoblrbfDnnSolver.DefaultArtifactDirectory, allowCuda: false);
        var network = IsacTestInstances.Networks(13, 1)[0];
        var solutions = solver.SolveFront(network, 0.05, 8);
        Assert.Equal(8, solutions.Count);
        Assert.All(solutions, s => Assert.Equal(solver.Layers, s.Iterations));
        var front = ParetoFront.NonDominated(solutions);
        foreach (var a in front)
        {
            Assert.DoesNotContain(front, b => b.Dominates(a));
            Assert.True(a.WorstCaseWsr <= a.NominalWsr + 1e-9, "the worst case is not above the nominal rate");
        }

        // A trade-off, not one point: at least three designs, and the sensing end has the lower CRLB but less rate.
        Assert.True(front.Count >= 3, $"{front.Count} non-dominated of {solutions.Count}");
        Assert.True(front[0].Crlb < front[^1].Crlb && front[0].WorstCaseWsr < front[^1].WorstCaseWsr);
        var sensingEnd = solutions.MinBy(s => s.PreferenceAngle)!;
        var communicationEnd = solutions.MaxBy(s => s.PreferenceAngle)!;
        Assert.True(sensingEnd.Crlb < communicationEnd.Crlb && sensingEnd.WorstCaseWsr < communicationEnd.WorstCaseWsr);
    }

    [Fact]
    public void A_short_training_lowers_the_training_loss_and_writes_a_loadable_artifact()
    {
        var options = new BoblrbfDnnTrainingOptions
        {
            Seed = 5,
            Epochs = 4,
            Layers = 3,
            Hidden = 8,
            Batch = 2,
            Preferences = 2,
            TrainInstances = 4,
            ValidationInstances = 2,
            LearningRate = 1e-2,
        };
        var settings = options.ScenarioSettings();
        var scenario = new Controller.Radio.Scenarios.IsacScenario();
        var train = Enumerable.Range(0, options.TrainInstances).Select(i => scenario.CreateNetwork(settings, options.TrainSeed, i)).ToArray();
        using var batch = new PreferenceBatch(train, options.Preferences, settings.GetDouble("eps"));
        manual_seed(options.Seed);
        using var initial = new BoblrbfDnnNet(new BoblrbfDnnHyperparameters(options.Layers, options.Hidden, IsacIterateInputs.FeatureCount), options.LowerLevelSteps, options.InitialStep);
        var before = BoblrbfDnnTrainer.Evaluate(initial, batch).Loss;

        var outcome = BoblrbfDnnTrainer.Train(options);

        Assert.Equal(options.Epochs, outcome.History.Count);
        var artifact = ArtifactWriter.Write(Path.Combine(_directory, "tiny"), outcome);
        Assert.Equal(BoblrbfDnnHyperparameters.Name, artifact.Manifest.Architecture);
        using var trained = BoblrbfDnnSolver.Load(artifact.Directory, allowCuda: false);
        using var net = new BoblrbfDnnNet((BoblrbfDnnHyperparameters)artifact.Manifest.Hyperparameters, options.LowerLevelSteps);
        Controller.Learning.Models.TorchArtifacts.CopyInto(net, artifact);
        var after = BoblrbfDnnTrainer.Evaluate(net, batch).Loss;
        Assert.True(after < before - 1e-3, $"training loss {before} -> {after}");
        Assert.Equal(options.Layers, trained.SolveFront(train[0], 0.05, 2)[0].Iterations);
    }

    /// <summary>An untrained network whose output layers are random (scaled): its directions are far from the plain gradient's.</summary>
    private static BoblrbfDnnNet RandomNet(int seed, int layers, double outputScale)
    {
        manual_seed(seed);
        var net = new BoblrbfDnnNet(new BoblrbfDnnHyperparameters(layers, 8, IsacIterateInputs.FeatureCount), initialStep: 0.05);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in net.named_parameters())
        {
            if (name.Contains(".out.", StringComparison.Ordinal))
            {
                using var values = randn(parameter.shape, dtype: ScalarType.Float64) * Controller.Learning.Models.Scalars.Of(outputScale);
                parameter.copy_(values);
            }
        }

        return net;
    }
}
