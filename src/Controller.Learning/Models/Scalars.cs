using System.Collections.Concurrent;
using TorchSharp;

namespace Controller.Learning.Models;

/// <summary>
/// Scalar operands that outlive the libtorch call reading them.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns a <see cref="double"/> (or <see cref="int"/>) operand into a native <see cref="Scalar"/> through
/// an implicit conversion and never disposes it: the object's finalizer frees the native value, and nothing keeps the
/// object reachable while the native call that reads it runs (no <c>GC.KeepAlive</c>; dotnet/TorchSharp PRs #1434 and
/// #1496 are open about it). When a collection happens during such a call the finalizer may free the value under
/// libtorch: seen here as <c>INTERNAL ASSERT FAILED at c10/core/Scalar.h</c> aborting a training in <c>pow</c>, and earlier
/// as <c>leaky_relu</c> failing in <c>toFloat</c>. The project's training and inference code therefore passes every scalar
/// operand as an explicit <see cref="Scalar"/> that stays reachable: a value that is fixed for a run from this cache
/// (created once, never freed; the cache holds the few distinct constants and hyperparameters a process uses), or a
/// value that changes every step (a dual variable) as a local disposed after the call with <c>using</c>. TorchSharp's own
/// methods make such temporaries too (an addition's alpha of 1, softplus's beta, every constant of <c>optim.Adam</c>):
/// <see cref="ScalarSafe"/> and <see cref="Training.ScalarSafeAdam"/> replace them.
/// </remarks>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>0.0.</summary>
    public static Scalar Zero { get; } = Of(0.0);

    /// <summary>1.0.</summary>
    public static Scalar One { get; } = Of(1.0);

    /// <summary>The float64 scalar <paramref name="value"/>, shared and never freed: for constants and per-run settings only.</summary>
    public static Scalar Of(double value) => Doubles.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>The int64 scalar <paramref name="value"/>, shared and never freed: for constants and per-run settings only.</summary>
    public static Scalar OfInteger(long value) => Integers.GetOrAdd(value, static v => v.ToScalar());
}
