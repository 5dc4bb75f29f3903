using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Tests.ArtifactFormat;

public sealed class PolicyArtifactTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_ContractExampleManifest_ParsesEveryField()
    {
        var directory = _temp.Combine("resilient-gnn-m4-n40");
        var manifest = TestArtifacts.ResilientManifest(layers: 2, hidden: 64);
        PolicyArtifact.WriteRandom(directory, manifest, seed: 1);
        File.WriteAllText(Path.Combine(directory, "manifest.json"), """
            {
              "format": "controller-policy/1",
              "name": "resilient-gnn-m4-n40",
              "architecture": "resilient-gnn",
              "hyperparameters": {"layers": 2, "hidden": 64, "leakySlope": 0.01, "selectionTemperature": 10},
              "inputs": {"nodeFeature": "pf-ratio", "transform": "log1p"},
              "training": {"scenario": "resilient-rrm", "settings": {"aps": "4", "users": 40}, "seed": 1,
                           "configurations": {"train": 256, "validation": 128}, "epochs": 60, "wallSeconds": 512.3,
                           "optimizer": "adam", "learningRate": 0.001},
              "validation": {"meanRate": 0.41, "p5Rate": 0.09, "bestEpoch": 48},
              "codeVersion": "abc123",
              "createdUtc": "2026-11-22T10:00:00Z"
            }
            """);

        var artifact = PolicyArtifact.Load(directory);

        Assert.Equal("resilient-gnn-m4-n40", artifact.Manifest.Name);
        Assert.Equal(new ResilientGnnHyperparameters(2, 64, 0.01, 10), artifact.Manifest.Hyperparameters);
        Assert.Equal("resilient-rrm", artifact.Manifest.Training!.Scenario);
        Assert.Equal("40", artifact.Manifest.Training.Settings["users"]);
        Assert.Equal(60, artifact.Manifest.Training.Other["epochs"].GetInt32());
        Assert.Equal(48, artifact.Manifest.Validation!.Value.GetProperty("bestEpoch").GetInt32());
        Assert.Equal("abc123", artifact.Manifest.CodeVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), artifact.Manifest.CreatedUtc);
        Assert.Equal(4 * 2 + 4, artifact.Weights.Tensors.Count);
    }

    [Fact]
    public void ToJson_ThenParse_RoundTrips()
    {
        var manifest = TestArtifacts.AggManifest(edgeThreshold: 0.05) with { CodeVersion = "deadbeef", CreatedUtc = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        var back = PolicyManifest.Parse(manifest.ToJson(), "manifest.json");

        Assert.Equal(manifest.Hyperparameters, back.Hyperparameters);
        Assert.Equal(manifest.Inputs, back.Inputs);
        Assert.Equal(manifest.CodeVersion, back.CodeVersion);
        Assert.Equal(manifest.CreatedUtc, back.CreatedUtc);
        Assert.Equal(0.05, back.Training!.SettingAsNumber("edgeThreshold"));
    }

    [Fact]
    public void Load_MissingDirectory_Rejected()
    {
        var directory = _temp.Combine("absent");

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{directory}: is not a directory (a policy artifact is a directory with manifest.json and model.safetensors)", error.Message);
    }

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("model.safetensors")]
    public void Load_MissingFile_NamesIt(string file)
    {
        var directory = WriteResilient();
        File.Delete(Path.Combine(directory, file));

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{Path.Combine(directory, file)}: is missing (a policy artifact is a directory with manifest.json and model.safetensors)", error.Message);
    }

    [Theory]
    [InlineData("\"format\": \"controller-policy/1\"", "\"format\": \"controller-policy/2\"", "format is 'controller-policy/2'; this controller reads only 'controller-policy/1'")]
    [InlineData("\"architecture\": \"resilient-gnn\"", "\"architecture\": \"transformer\"", "architecture 'transformer' is unknown; known: resilient-gnn, agg-gnn, sel-gnn, alcor-dnn, boblrbf-dnn")]
    [InlineData("\"hidden\": 16", "\"hidden\": 0", "'hyperparameters.hidden' must be a whole number in [1, 4096] (got 0)")]
    [InlineData("\"hidden\": 16", "\"hidden\": 16, \"dropout\": 0.1", "'hyperparameters.dropout' is not a field of this architecture (known: layers, hidden, leakySlope, selectionTemperature)")]
    [InlineData("\"layers\": 2,", "", "'hyperparameters.layers' is missing")]
    [InlineData("\"nodeFeature\": \"pf-ratio\"", "\"nodeFeature\": \"sinr\"", "inputs are 'sinr' with transform 'log1p'; this controller computes only 'pf-ratio' with 'log1p'")]
    [InlineData("\"selectionTemperature\": 10", "\"selectionTemperature\": 0", "'hyperparameters.selectionTemperature' must be positive (got 0)")]
    public void Load_BadManifest_Rejected(string original, string replacement, string problem)
    {
        var directory = WriteResilient();
        var path = Path.Combine(directory, "manifest.json");
        var json = File.ReadAllText(path);
        Assert.Contains(original, json, StringComparison.Ordinal);
        File.WriteAllText(path, json.Replace(original, replacement, StringComparison.Ordinal));

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{path}: {problem}", error.Message);
    }

    [Fact]
    public void Load_ManifestNotJson_Rejected()
    {
        var directory = WriteResilient();
        var path = Path.Combine(directory, "manifest.json");
        File.WriteAllText(path, "{ format: ");

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.StartsWith($"{path}: is not valid JSON (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AggScaleOfWrongLength_Rejected()
    {
        var directory = _temp.Combine("agg");
        PolicyArtifact.WriteRandom(directory, TestArtifacts.AggManifest(length: 5), seed: 3);
        var path = Path.Combine(directory, "manifest.json");
        var json = File.ReadAllText(path);
        File.WriteAllText(path, json.Replace("\"sequenceLength\": 5", "\"sequenceLength\": 6", StringComparison.Ordinal));

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{path}: 'inputs.scale' has 5 values but sequenceLength is 6", error.Message);
    }

    [Fact]
    public void Load_MissingTensor_Rejected()
    {
        var directory = WriteResilient();
        var weights = Path.Combine(directory, "model.safetensors");
        var tensors = SafeTensorsFile.Read(weights).Tensors.Where(t => t.Name != "layers.1.w3.weight").ToList();
        SafeTensorsFile.Write(weights, tensors);

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.StartsWith($"{weights}: tensor 'layers.1.w3.weight' is missing (architecture resilient-gnn with layers = 2, hidden = 16 needs layers.0.w1.weight, ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExtraTensor_Rejected()
    {
        var directory = WriteResilient();
        var weights = Path.Combine(directory, "model.safetensors");
        var tensors = SafeTensorsFile.Read(weights).Tensors.Append(new SafeTensor("layers.2.w1.bias", [16], new float[16])).ToList();
        SafeTensorsFile.Write(weights, tensors);

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{weights}: tensor 'layers.2.w1.bias' is not part of architecture resilient-gnn with layers = 2, hidden = 16", error.Message);
    }

    [Fact]
    public void Load_TensorOfWrongShape_Rejected()
    {
        var directory = WriteResilient();
        var weights = Path.Combine(directory, "model.safetensors");
        var tensors = SafeTensorsFile.Read(weights).Tensors
            .Select(t => t.Name == "layers.0.w2.weight" ? new SafeTensor(t.Name, [1, 16], t.Values.ToArray()) : t)
            .ToList();
        SafeTensorsFile.Write(weights, tensors);

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{weights}: tensor 'layers.0.w2.weight' has shape [1, 16]; architecture resilient-gnn with layers = 2, hidden = 16 needs [16, 1]", error.Message);
    }

    [Fact]
    public void Load_AggKernelOfWrongLength_Rejected()
    {
        var directory = _temp.Combine("agg");
        PolicyArtifact.WriteRandom(directory, TestArtifacts.AggManifest(layers: 3, filter: 4), seed: 3);
        var path = Path.Combine(directory, "manifest.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"filterLength\": 4", "\"filterLength\": 5", StringComparison.Ordinal));

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{Path.Combine(directory, "model.safetensors")}: tensor 'conv.0.weight' has shape [1, 1, 4]; architecture agg-gnn with layers = 3, filterLength = 5 needs [1, 1, 5]", error.Message);
    }

    [Fact]
    public void Load_WeightsOfAnotherFormat_Rejected()
    {
        var directory = WriteResilient();
        var weights = Path.Combine(directory, "model.safetensors");
        SafeTensorsFile.Write(weights, SafeTensorsFile.Read(weights).Tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{weights}: header metadata format is 'pt'; this controller reads only 'controller-policy/1'", error.Message);
    }

    [Fact]
    public void Load_NonFiniteWeight_Rejected()
    {
        var directory = WriteResilient();
        var weights = Path.Combine(directory, "model.safetensors");
        var tensors = SafeTensorsFile.Read(weights).Tensors
            .Select(t => t.Name == "power.bias" ? new SafeTensor(t.Name, [1], [float.NaN]) : t)
            .ToList();
        SafeTensorsFile.Write(weights, tensors);

        var error = Assert.Throws<PolicyArtifactException>(() => PolicyArtifact.Load(directory));

        Assert.Equal($"{weights}: tensor 'power.bias' holds a non-finite value (NaN) at flat index 0", error.Message);
    }

    [Fact]
    public void WriteRandom_BothArchitectures_LoadWithExpectedTensors()
    {
        var resilient = TestArtifacts.Random(_temp.Combine("r"), TestArtifacts.ResilientManifest(layers: 3, hidden: 8));
        var aggregation = TestArtifacts.Random(_temp.Combine("a"), TestArtifacts.AggManifest(layers: 4, filter: 3));

        Assert.Equal(3 * 4 + 4, resilient.Weights.Tensors.Count);
        Assert.True(resilient.Tensor("layers.2.w3.weight").HasShape([8, 8]));
        Assert.True(resilient.Tensor("layers.0.w1.weight").HasShape([8, 1]));
        Assert.Equal(4 * 2, aggregation.Weights.Tensors.Count);
        Assert.True(aggregation.Tensor("conv.3.weight").HasShape([1, 1, 3]));
    }

    private string WriteResilient()
    {
        var directory = _temp.Combine("gnn-" + Guid.NewGuid().ToString("N")[..6]);
        PolicyArtifact.WriteRandom(directory, TestArtifacts.ResilientManifest(layers: 2, hidden: 16), seed: 5);
        return directory;
    }
}
