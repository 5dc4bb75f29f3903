using Controller.Learning.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>
/// Adam (Kingma and Ba; PyTorch's single-tensor form, no weight decay, no AMSGrad) with every scalar operand kept
/// reachable through its native call.
/// </summary>
/// <remarks>
/// TorchSharp's own <c>optim.Adam</c> computes the same update but passes its betas, its step size and its epsilon as
/// temporary scalars (see <see cref="ScalarSafe"/>): a hazard at every step of a long training. This class does the
/// same operations in the same order, so a run's numbers do not change (the first-epoch test against the PyTorch trainer
/// checks it): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// </remarks>
public sealed class ScalarSafeAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _first;
    private readonly Tensor[] _second;
    private long _steps;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> with moments at zero.</summary>
    public ScalarSafeAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(learningRate);
        if (!(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "Adam's betas must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        _parameters = [.. parameters];
        _first = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _second = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>The step size; a schedule may change it between steps.</summary>
    public double LearningRate { get; set; }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the bias-corrected root of the second moment.</summary>
    public double Epsilon { get; }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            using var gradient = parameter.grad;
            gradient?.zero_();
        }
    }

    /// <summary>One update from the gradients the last backward pass left; parameters without a gradient are skipped.</summary>
    public void Step()
    {
        _steps++;
        var correction1 = 1.0 - Math.Pow(Beta1, _steps);
        var correction2 = 1.0 - Math.Pow(Beta2, _steps);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Fixed for the run: shared scalars. Changing with the step: locals that live until the loop ends.
        var beta1 = Scalars.Of(Beta1);
        var beta2 = Scalars.Of(Beta2);
        var keep1 = Scalars.Of(1.0 - Beta1);
        var keep2 = Scalars.Of(1.0 - Beta2);
        var epsilon = Scalars.Of(Epsilon);
        var unit = Scalars.OfInteger(1);
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var stepSize = (-(LearningRate / correction1)).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var gradient = _parameters[i].grad;
            if (gradient is null)
            {
                continue;
            }

            _first[i].mul_(beta1).add_(gradient, keep1);
            _second[i].mul_(beta2).addcmul_(gradient, gradient, keep2);
            var denominator = (_second[i].sqrt() / rootCorrection2).add_(epsilon, unit);
            _parameters[i].addcdiv_(_first[i], denominator, stepSize);
        }

        GC.KeepAlive(rootCorrection2);
        GC.KeepAlive(stepSize);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var tensor in _first.Concat(_second))
        {
            tensor.Dispose();
        }
    }
}
