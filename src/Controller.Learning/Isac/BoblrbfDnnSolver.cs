using Controller.Learning.Models;
using Controller.Optimization.Isac;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Isac;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Isac;

/// <summary>
/// Runs a trained BOBLRBF-DNN as an ISAC solver: for each instance, K preference vectors from BOBLRBF's start through
/// the unrolled layers in one batched forward pass (many instances x preferences at once), then every design evaluated
/// by the managed model as <see cref="BoblrbfSolver"/> reports its own (<see cref="IsacSolution"/>: nominal and worst-case
/// WSR, CRLB). Pass the solutions to <see cref="ParetoFront.NonDominated"/> for the Pareto-critical set.
/// </summary>
public sealed class BoblrbfDnnSolver : IDisposable
{
    /// <summary>The committed artifact's folder name (copied next to the assembly under <c>isac-artifacts/</c>, apart from the policies' <c>artifacts/</c>).</summary>
    public const string DefaultArtifactName = "boblrbf-dnn-y20";

    private readonly BoblrbfDnnNet _net;

    /// <summary>Wraps a network (the solver owns it).</summary>
    public BoblrbfDnnSolver(BoblrbfDnnNet net, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        _net = net;
        Device = device ?? CPU;
    }

    /// <summary>The committed artifact next to the assembly.</summary>
    public static string DefaultArtifactDirectory => Path.Combine(AppContext.BaseDirectory, "isac-artifacts", DefaultArtifactName);

    /// <summary>Y, the network's layers.</summary>
    public int Layers => _net.Hyperparameters.Layers;

    /// <summary>Where the network runs.</summary>
    public Device Device { get; }

    /// <summary>
    /// Loads a <c>boblrbf-dnn</c> artifact (weights to float64) on CUDA when available, else on the CPU, and sets libtorch's
    /// intra-op threads (process-wide) to <paramref name="threads"/>: 1 by default, as two OpenMP threads on a shared
    /// 2-core machine spin against each other (see this project's README).
    /// </summary>
    public static BoblrbfDnnSolver Load(string directory, bool allowCuda = true, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        set_num_threads(threads);
        var artifact = PolicyArtifact.Load(directory);
        if (artifact.Manifest.Hyperparameters is not BoblrbfDnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not IsacIterateInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {BoblrbfDnnHyperparameters.Name}.", nameof(directory));
        }

        var net = new BoblrbfDnnNet(hyperparameters, inputs.LowerLevelSteps);
        TorchArtifacts.CopyInto(net, artifact);
        var device = allowCuda && cuda.is_available() ? CUDA : CPU;
        if (device.type != DeviceType.CPU)
        {
            net.to(device);
        }

        return new BoblrbfDnnSolver(net, device);
    }

    /// <summary>
    /// The designs gamma (sqrt(mW)) of every instance and preference angle after <paramref name="layers"/> layers (default
    /// all), from one forward pass over the whole batch: [instance][preference].
    /// </summary>
    public double[][][] Designs(IReadOnlyList<IsacNetwork> instances, double relativeError, IReadOnlyList<double> angles, int? layers = null)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(angles);
        var preferences = angles.Count;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = new PreferenceBatch(instances, angles, relativeError, Device);
        var x = _net.Forward(batch.Objectives, batch.Start, batch.Weights, layers);
        var values = x.cpu().data<double>().ToArray();
        var length = batch.Objectives.DesignLength;
        var designs = new double[instances.Count][][];
        for (var i = 0; i < instances.Count; i++)
        {
            var scale = Math.Sqrt(instances[i].PowerBudgets.Max());
            designs[i] = new double[preferences][];
            for (var k = 0; k < preferences; k++)
            {
                var offset = ((i * preferences) + k) * length;
                designs[i][k] = [.. values.AsSpan(offset, length).ToArray().Select(v => v * scale)];
            }
        }

        return designs;
    }

    /// <summary>K solutions per instance (one per preference vector), designs from one batched pass, evaluated by the managed model.</summary>
    public IReadOnlyList<IReadOnlyList<IsacSolution>> SolveFronts(IReadOnlyList<IsacNetwork> instances, double relativeError, int preferences, int? layers = null, int worstCaseIterations = 40)
    {
        var angles = BoblrbfSolver.PreferenceAngles(preferences);
        var designs = Designs(instances, relativeError, angles, layers);
        return [.. instances.Select((network, i) => (IReadOnlyList<IsacSolution>)[.. designs[i].Select((beams, k) => Evaluate(network, relativeError, beams, angles[k], layers ?? Layers, worstCaseIterations))])];
    }

    /// <summary>The K solutions of one instance.</summary>
    public IReadOnlyList<IsacSolution> SolveFront(IsacNetwork network, double relativeError, int preferences, int? layers = null, int worstCaseIterations = 40)
        => SolveFronts([network], relativeError, preferences, layers, worstCaseIterations)[0];

    /// <summary>
    /// A design reported as <see cref="BoblrbfSolver"/> reports its solutions: nominal WSR, worst-case WSR within the balls
    /// (<paramref name="worstCaseIterations"/> lower-level iterations, lowest kept), CRLB; iterations = layers run.
    /// </summary>
    public static IsacSolution Evaluate(IsacNetwork network, double relativeError, double[] beams, double preferenceAngle, int layers, int worstCaseIterations = 40)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(beams);
        var radii = IsacCommunication.ErrorRadii(network, relativeError);
        var worst = IsacCommunication.WorstCaseErrors(network, beams, radii, relativeError > 0 ? worstCaseIterations : 0, keepLowest: true, new double[network.ErrorLength]);
        return new IsacSolution(
            beams,
            preferenceAngle,
            IsacCommunication.WeightedSumRate(network, beams, default),
            worst,
            IsacSensing.Crlb(network, beams),
            layers,
            double.NaN,
            0,
            []);
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
