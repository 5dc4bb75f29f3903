using System.Globalization;
using Controller.Radio.Randomness;

namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// A trained policy on disk: a directory with <c>manifest.json</c> and <c>model.safetensors</c> (format
/// <c>controller-policy/1</c>, src/Controller.Policies/ARTIFACT_FORMAT.md). <see cref="Load"/> checks the weights
/// against what the manifest's architecture and hyperparameters imply, so a loaded artifact always fits its
/// model. Immutable once loaded; share it between threads.
/// </summary>
public sealed class PolicyArtifact
{
    /// <summary>The weights' file name inside an artifact directory.</summary>
    public const string WeightsFileName = "model.safetensors";

    private PolicyArtifact(string directory, PolicyManifest manifest, SafeTensorsFile weights)
    {
        Directory = directory;
        Manifest = manifest;
        Weights = weights;
    }

    /// <summary>The artifact's directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public PolicyManifest Manifest { get; }

    /// <summary>The weights, checked against <see cref="PolicyManifest.Hyperparameters"/>.</summary>
    public SafeTensorsFile Weights { get; }

    /// <summary>The tensor named <paramref name="name"/> (present with the expected shape after <see cref="Load"/>).</summary>
    public SafeTensor Tensor(string name) => Weights.ByName[name];

    /// <summary>
    /// Loads the artifact in <paramref name="directory"/>. Throws <see cref="PolicyArtifactException"/> naming
    /// the file and the problem: a missing directory or file, a manifest of another format or an unknown
    /// architecture, weights that are malformed, or a tensor that is missing, extra or of another shape than
    /// the hyperparameters imply.
    /// </summary>
    public static PolicyArtifact Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new PolicyArtifactException(full, "is not a directory (a policy artifact is a directory with manifest.json and model.safetensors)");
        }

        var manifestPath = Path.Combine(full, PolicyManifest.FileName);
        var weightsPath = Path.Combine(full, WeightsFileName);
        foreach (var path in new[] { manifestPath, weightsPath })
        {
            if (!File.Exists(path))
            {
                throw new PolicyArtifactException(path, "is missing (a policy artifact is a directory with manifest.json and model.safetensors)");
            }
        }

        var manifest = PolicyManifest.Read(manifestPath);
        var weights = SafeTensorsFile.Read(weightsPath);
        Check(manifest, weights, weightsPath);
        return new PolicyArtifact(full, manifest, weights);
    }

    /// <summary>
    /// Writes an artifact: <paramref name="manifest"/> and <paramref name="tensors"/> into
    /// <paramref name="directory"/> (created if needed). The tensors are checked as <see cref="Load"/> would.
    /// </summary>
    public static void Write(string directory, PolicyManifest manifest, IReadOnlyList<SafeTensor> tensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(tensors);
        System.IO.Directory.CreateDirectory(directory);
        var bytes = SafeTensorsFile.Serialize(tensors, new Dictionary<string, string> { ["format"] = PolicyManifest.CurrentFormat });
        var weightsPath = Path.Combine(directory, WeightsFileName);
        Check(manifest, SafeTensorsFile.Parse(bytes, weightsPath), weightsPath);
        File.WriteAllBytes(weightsPath, bytes);
        File.WriteAllText(Path.Combine(directory, PolicyManifest.FileName), manifest.ToJson() + "\n");
    }

    /// <summary>
    /// Writes an artifact of <paramref name="manifest"/>'s architecture with random weights (each weight
    /// uniform in +-1/sqrt(fan-in), PyTorch's default range; biases likewise), for tests and for benchmarks,
    /// whose timings do not depend on the weights.
    /// </summary>
    public static void WriteRandom(string directory, PolicyManifest manifest, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var random = new SeededRandom(seed);
        var tensors = new List<SafeTensor>();
        foreach (var (name, shape) in manifest.Hyperparameters.ExpectedTensors())
        {
            var count = 1;
            foreach (var dimension in shape)
            {
                count *= dimension;
            }

            // Fan-in: the last dimension of a weight matrix or kernel; a bias takes its layer's.
            var fanIn = shape.Length > 1 ? shape[^1] : FanInOfBias(manifest.Hyperparameters, name);
            var bound = 1 / Math.Sqrt(Math.Max(1, fanIn));
            var values = new float[count];
            var variance = name.EndsWith(".running_var", StringComparison.Ordinal);
            for (var i = 0; i < count; i++)
            {
                // A batch normalization's running variance must be positive.
                values[i] = variance ? (float)random.NextDouble(0.5, 1.5) : (float)random.NextDouble(-bound, bound);
            }

            tensors.Add(new SafeTensor(name, shape, values));
        }

        Write(directory, manifest, tensors);
    }

    private static int FanInOfBias(PolicyHyperparameters hyperparameters, string name) => hyperparameters switch
    {
        ResilientGnnHyperparameters r when name.StartsWith("layers.", StringComparison.Ordinal)
            => r.InputWidth(int.Parse(name.AsSpan(7, name.IndexOf('.', 7) - 7), CultureInfo.InvariantCulture)),
        ResilientGnnHyperparameters r => r.Hidden,
        AggGnnHyperparameters a => a.FilterLength,
        SelGnnHyperparameters s => s.FilterLength,
        AlcorDnnHyperparameters d => d.FanIn(name),
        _ => 1,
    };

    private static void Check(PolicyManifest manifest, SafeTensorsFile weights, string weightsPath)
    {
        if (weights.Metadata.TryGetValue("format", out var format) && format != PolicyManifest.CurrentFormat)
        {
            throw new PolicyArtifactException(weightsPath, $"header metadata format is '{format}'; this controller reads only '{PolicyManifest.CurrentFormat}'");
        }

        var hyperparameters = manifest.Hyperparameters;
        var expected = hyperparameters.ExpectedTensors();
        var context = $"architecture {hyperparameters.Architecture} with {hyperparameters.ShapeSummary}";
        foreach (var (name, shape) in expected)
        {
            if (!weights.ByName.TryGetValue(name, out var tensor))
            {
                throw new PolicyArtifactException(weightsPath, $"tensor '{name}' is missing ({context} needs {string.Join(", ", expected.Select(e => e.Name))})");
            }

            if (!tensor.HasShape(shape))
            {
                throw new PolicyArtifactException(weightsPath, $"tensor '{name}' has shape {tensor.ShapeText}; {context} needs {SafeTensor.FormatShape(shape)}");
            }
        }

        foreach (var tensor in weights.Tensors)
        {
            if (!expected.Any(e => e.Name == tensor.Name))
            {
                throw new PolicyArtifactException(weightsPath, $"tensor '{tensor.Name}' is not part of {context}");
            }
        }
    }
}
