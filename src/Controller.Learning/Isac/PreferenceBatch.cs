using Controller.Optimization.Isac;
using Controller.Radio.Isac;
using static TorchSharp.torch;

namespace Controller.Learning.Isac;

/// <summary>
/// Instances x preference vectors as one batch of the BOBLRBF-DNN: sample <c>i K + k</c> is instance i with BOBLRBF's
/// preference angle a_k = (k + 1/2) pi / 2K, weighted <c>(sin a_k, cos a_k)</c> on (f1, f2) so that a near 0 favours
/// sensing and a near pi/2 communication (as <see cref="IsacSolution.PreferenceAngle"/>), each from BOBLRBF's start.
/// </summary>
public sealed class PreferenceBatch : IDisposable
{
    /// <summary>Builds the batch of every instance with BOBLRBF's K = <paramref name="preferences"/> angles on <paramref name="device"/> (CPU by default).</summary>
    public PreferenceBatch(IReadOnlyList<IsacNetwork> instances, int preferences, double relativeError, Device? device = null)
        : this(instances, BoblrbfSolver.PreferenceAngles(preferences), relativeError, device)
    {
    }

    /// <summary>Builds the batch of every instance with each of <paramref name="angles"/> (radians in [0, pi/2]).</summary>
    public PreferenceBatch(IReadOnlyList<IsacNetwork> instances, IReadOnlyList<double> angles, double relativeError, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(angles);
        if (angles.Count == 0 || angles.Any(a => !(a is >= 0 and <= Math.PI / 2)))
        {
            throw new ArgumentException("a batch needs at least one preference angle, each in [0, pi/2]", nameof(angles));
        }

        var preferences = angles.Count;
        Instances = instances;
        Angles = [.. angles];
        var samples = instances.SelectMany(n => Enumerable.Repeat(n, preferences)).ToArray();
        Objectives = new IsacTorchObjectives(samples, relativeError, device);
        var weights = new double[samples.Length * 2];
        for (var s = 0; s < samples.Length; s++)
        {
            var angle = Angles[s % preferences];
            weights[2 * s] = Math.Sin(angle);
            weights[(2 * s) + 1] = Math.Cos(angle);
        }

        Weights = tensor(weights, [samples.Length, 2], ScalarType.Float64, device ?? CPU).DetachFromDisposeScope();
        Start = IsacTorchObjectives.InitialDesigns(samples, device).DetachFromDisposeScope();
    }

    /// <summary>The instances, in order.</summary>
    public IReadOnlyList<IsacNetwork> Instances { get; }

    /// <summary>The K preference angles (radians).</summary>
    public IReadOnlyList<double> Angles { get; }

    /// <summary>The torch objectives of every sample.</summary>
    public IsacTorchObjectives Objectives { get; }

    /// <summary>Weights of (f1, f2) per sample [B, 2].</summary>
    public Tensor Weights { get; }

    /// <summary>BOBLRBF's start per sample [B, D].</summary>
    public Tensor Start { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Objectives.Dispose();
        Weights.Dispose();
        Start.Dispose();
    }
}
