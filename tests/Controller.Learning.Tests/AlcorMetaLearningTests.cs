using Controller.Learning.Alcor;
using Controller.Learning.Models;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>The Fig. 1 network's functional forward and the meta-learning of eq. (11) (<see cref="AlcorMetaLearning"/>).</summary>
public sealed class AlcorMetaLearningTests
{
    private static readonly double[] HighDemands = [4.0, 4.0];
    private static readonly float[] Fig1Demands = [0.5f, 0.5f, 1f, 1f, 2f];

    [Fact]
    public void FunctionalForwardEqualsTheModuleForwardForTheSameWeights()
    {
        using var scope = NewDisposeScope();
        var module = AlcorMlp.Module(AlcorMlp.Widths(5), seed: 3);
        var input = rand([16, 25], generator: new Generator(5));
        var expected = module.forward(input);
        var actual = AlcorMlp.Forward(AlcorMlp.Weights(module), input);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-6f);
        Assert.True(actual.min().item<float>() >= 0 && actual.max().item<float>() <= 1);
    }

    [Fact]
    public void MetaGradientThroughOneInnerStepMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(9);
        var theta = AlcorMlp.Weights(AlcorMlp.Module([4, 3, 2], seed: 4)).Select(p => p.detach().to(ScalarType.Float64).requires_grad_(true)).ToArray();
        var psi = tensor(0.05, ScalarType.Float64).requires_grad_(true);
        var inner = rand([8, 2, 2], ScalarType.Float64, generator: generator).Plus(Scalars.Of(0.1));
        var outer = rand([8, 2, 2], ScalarType.Float64, generator: generator).Plus(Scalars.Of(0.1));
        var demands = tensor(HighDemands);
        const double noise = 0.1, penalty = 2;

        double Objective(Tensor[] weights, Tensor step)
        {
            var next = AlcorMetaLearning.InnerStep(weights, step, inner, demands, noise, 1, penalty, createGraph: true);
            return AlcorMetaLearning.Reward(AlcorMetaLearning.Rates(next, outer, noise, 1).mean([0L]), demands, penalty).item<double>();
        }

        var plus = AlcorMetaLearning.InnerStep(theta, psi, inner, demands, noise, 1, penalty, createGraph: true);
        var meta = AlcorMetaLearning.Reward(AlcorMetaLearning.Rates(plus, outer, noise, 1).mean([0L]), demands, penalty);
        var gradients = autograd.grad([meta], [psi, theta[0], theta[2]]);
        const double h = 1e-6;

        var psiDifference = (Objective(theta, tensor(0.05 + h, ScalarType.Float64)) - Objective(theta, tensor(0.05 - h, ScalarType.Float64))) / (2 * h);
        Assert.Equal(psiDifference, gradients[0].item<double>(), 1e-5);
        Assert.True(Math.Abs(psiDifference) > 1e-3, "the check must not pass on a vanishing derivative");

        foreach (var (layer, index) in new[] { (0, 1), (2, 3) })
        {
            double Shifted(double delta)
            {
                var shifted = theta.Select(w => w.detach().clone().requires_grad_(true)).ToArray();
                using (no_grad())
                {
                    shifted[layer].view(-1)[index].add_(delta);
                }

                return Objective(shifted, psi.detach());
            }

            var difference = (Shifted(h) - Shifted(-h)) / (2 * h);
            var analytic = gradients[layer == 0 ? 1 : 2].view(-1)[index].item<double>();
            Assert.Equal(difference, analytic, 1e-5);
        }
    }

    [Fact]
    public void OneInnerStepRaisesRewardTenOnItsDemand()
    {
        using var scope = NewDisposeScope();
        var source = new AlcorMetaLearning.GainSource(5, 15, seed: 21);
        var theta = AlcorMetaLearning.RandomTheta(5, seed: 2).Select(w => w.requires_grad_(true)).ToArray();
        var gains = source.Next(200);
        var demands = tensor(Fig1Demands);
        double RewardOf(Tensor[] weights) => AlcorMetaLearning.Reward(AlcorMetaLearning.Rates(weights, gains, source.Noise, source.MaxPower).mean([0L]), demands, 100).item<float>();

        var before = RewardOf(theta);
        var after = RewardOf(AlcorMetaLearning.InnerStep(theta, tensor(1e-4f), gains, demands, source.Noise, source.MaxPower, 100, createGraph: false));
        Assert.True(after > before, $"reward {before} -> {after}");
    }

    [Fact]
    public void AdaptationRecordsEverySlotAndMetaTrainingMovesPsi()
    {
        var options = new AlcorMetaOptions { MetaSteps = 3, Tasks = 2, Batch = 20, AdaptBatch = 10 };
        var model = AlcorMetaLearning.MetaTrain(options);
        Assert.Equal(3, model.MetaRewards.Count);
        Assert.NotEqual(options.InitialPsi, model.Psi);
        var rates = AlcorMetaLearning.Adapt(model.Theta, model.Psi, [0.5, 0.5, 1, 1, 2], new AlcorMetaLearning.GainSource(5, 15, seed: 5), 4, options);
        Assert.Equal(40, rates.Length);
        Assert.All(rates, r => Assert.Equal(5, r.Length));
        Assert.All(rates, r => Assert.All(r, v => Assert.True(v >= 0 && double.IsFinite(v))));
        Assert.Throws<ArgumentException>(() => new AlcorMetaOptions { Decay = 1 }.Validate());
    }
}
