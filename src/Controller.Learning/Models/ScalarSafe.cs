using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// Tensor arithmetic that TorchSharp's operators do with a hidden temporary <see cref="Scalar"/>, done here with one that
/// stays reachable (see <see cref="Scalars"/> for the hazard).
/// </summary>
/// <remarks>
/// Read from TorchSharp 0.107's IL (ilspycmd): <c>a + b</c> and <c>a.add(b)</c> call <c>add(b, 1)</c>, whose alpha of 1 is
/// a fresh <see cref="Scalar"/> that nothing references once its handle is read; <c>s + t</c>, <c>s - t</c>,
/// <c>add_(x)</c>, <c>addcdiv</c> without a value and <c>softplus</c> (beta, threshold) do the same. A collection on
/// another thread during that native call may run the finalizer and free the alpha while libtorch reads it: a training
/// of m = 6 aborted that way at epoch 331 in <c>Scalar.h</c>, at <c>1 + mu.index_select(...)</c>. Subtraction and
/// multiplication of two tensors, and the <see cref="Scalar"/> overloads of <c>mul</c>, <c>div</c>, <c>sub</c> and
/// <c>clamp_min</c>, pass no hidden scalar and stay as operators.
/// </remarks>
public static class ScalarSafe
{
    /// <summary>The alpha of an addition: the integer 1, valid for floating and integral tensors alike.</summary>
    private static Scalar Unit => Scalars.OfInteger(1);

    /// <summary><paramref name="left"/> + <paramref name="right"/>.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => NotNull(left).add(right, Unit);

    /// <summary><paramref name="left"/> + <paramref name="right"/>.</summary>
    public static Tensor Plus(this Tensor left, Scalar right) => NotNull(left).add(right, Unit);

    /// <summary><paramref name="target"/> += <paramref name="right"/>, in place.</summary>
    public static Tensor PlusInPlace(this Tensor target, Tensor right) => NotNull(target).add_(right, Unit);

    /// <summary><paramref name="target"/> += <paramref name="right"/>, in place.</summary>
    public static Tensor PlusInPlace(this Tensor target, Scalar right) => NotNull(target).add_(right, Unit);

    /// <summary><paramref name="left"/> - <paramref name="right"/>, the same operations as TorchSharp's operator.</summary>
    public static Tensor Minus(this Scalar left, Tensor right)
    {
        ArgumentNullException.ThrowIfNull(right);
        using var negative = right.negative();
        return negative.add(left, Unit);
    }

    /// <summary>log(sigmoid(x)) = -softplus(-x), which libtorch computes without a scalar argument.</summary>
    public static Tensor LogSigmoid(this Tensor x) => nn.functional.logsigmoid(x);

    private static Tensor NotNull(Tensor tensor, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(tensor))] string? name = null) =>
        tensor ?? throw new ArgumentNullException(name);
}
