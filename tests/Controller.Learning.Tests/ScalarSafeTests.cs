using Controller.Learning.Models;
using Controller.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>
/// The scalar-safe arithmetic and Adam compute exactly what TorchSharp's operators and <c>optim.Adam</c> compute: they
/// only change who keeps the scalar operands alive.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ScalarSafeTests
{
    [Fact]
    public void Arithmetic_equals_the_operators_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7, CPU);
        var a = randn([5, 4], generator: generator);
        var b = randn([5, 4], generator: generator);
        var s = Scalars.Of(0.37);
        Assert.True(a.Plus(b).Same(a + b));
        Assert.True(a.Plus(s).Same(a + s));
        Assert.True(s.Minus(a).Same(s - a));
        Assert.True(a.LogSigmoid().allclose(-nn.functional.softplus(-a), rtol: 1e-6, atol: 1e-7));
        var target = a.clone();
        target.PlusInPlace(b);
        Assert.True(target.Same(a + b));
        Assert.False(a.Plus(b).Same(a - b));
    }

    [Fact]
    public void Adam_follows_TorchSharps_optimizer_step_for_step_including_a_halved_rate()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var reference = nn.Linear(6, 3);
        using var mine = nn.Linear(6, 3);
        mine.load_state_dict(reference.state_dict());
        using var theirs = optim.Adam(reference.parameters(), 0.01);
        using var ours = new ScalarSafeAdam(mine.parameters(), 0.01);
        using var generator = new Generator(3, CPU);
        for (var step = 0; step < 25; step++)
        {
            if (step == 12)
            {
                foreach (var group in theirs.ParamGroups)
                {
                    group.LearningRate *= 0.5;
                }

                ours.LearningRate *= 0.5;
            }

            using var stepScope = NewDisposeScope();
            var x = randn([8, 6], generator: generator);
            theirs.zero_grad();
            reference.forward(x).pow(Scalars.Of(2.0)).sum().backward();
            theirs.step();
            ours.ZeroGrad();
            mine.forward(x).pow(Scalars.Of(2.0)).sum().backward();
            ours.Step();
        }

        var moved = false;
        foreach (var ((name, expected), (_, actual)) in reference.named_parameters().Zip(mine.named_parameters()))
        {
            Assert.True(expected.Same(actual), $"{name} differs from TorchSharp's Adam");
            moved |= !expected.Same(zeros_like(expected));
        }

        Assert.True(moved);
    }
}

internal static class TensorEquality
{
    /// <summary>Same shape and bit-for-bit the same elements.</summary>
    public static bool Same(this Tensor left, Tensor right) => left.Equals(right);
}
