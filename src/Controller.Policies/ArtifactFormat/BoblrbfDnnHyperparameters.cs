using System.Globalization;
using System.Text.Json;

namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// Paper 002's BOBLRBF-DNN (architecture <c>boblrbf-dnn</c>, Fig. 2 and eq. 26): <see cref="Layers"/> unrolled BOBLRBF
/// iterations, each with its own MLP block W^y applied to every coordinate of the design (inputs: the
/// <see cref="Features"/> per-coordinate features of <see cref="IsacIterateInputs"/>; two hidden layers of width
/// <see cref="Hidden"/>, tanh) and its own step eta^y = exp(<c>logStep</c>). Tensors per layer y:
/// <c>layers.{y}.fc1.weight</c> [Hidden, Features], <c>layers.{y}.fc1.bias</c> [Hidden], <c>layers.{y}.fc2.weight</c>
/// [Hidden, Hidden], <c>layers.{y}.fc2.bias</c> [Hidden], <c>layers.{y}.out.weight</c> [1, Hidden],
/// <c>layers.{y}.out.bias</c> [1], <c>layers.{y}.logStep</c> [1]. Not an allocation policy: the ISAC solvers load it.
/// </summary>
/// <param name="Layers">Y, unrolled iterations.</param>
/// <param name="Hidden">Width of the two hidden layers of every W^y.</param>
/// <param name="Features">Inputs of W^y per coordinate (7 for <see cref="IsacIterateInputs.FeatureList"/>).</param>
public sealed record BoblrbfDnnHyperparameters(int Layers, int Hidden, int Features) : PolicyHyperparameters
{
    /// <summary>The architecture's name in manifests.</summary>
    public const string Name = "boblrbf-dnn";

    /// <inheritdoc />
    public override string Architecture => Name;

    /// <inheritdoc />
    public override string ShapeSummary => string.Create(CultureInfo.InvariantCulture, $"layers = {Layers}, hidden = {Hidden}, features = {Features}");

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors()
    {
        var tensors = new List<(string, int[])>();
        for (var y = 0; y < Layers; y++)
        {
            tensors.Add(($"layers.{y}.fc1.weight", [Hidden, Features]));
            tensors.Add(($"layers.{y}.fc1.bias", [Hidden]));
            tensors.Add(($"layers.{y}.fc2.weight", [Hidden, Hidden]));
            tensors.Add(($"layers.{y}.fc2.bias", [Hidden]));
            tensors.Add(($"layers.{y}.out.weight", [1, Hidden]));
            tensors.Add(($"layers.{y}.out.bias", [1]));
            tensors.Add(($"layers.{y}.logStep", [1]));
        }

        return tensors;
    }

    internal static BoblrbfDnnHyperparameters Parse(JsonElement element, string source)
    {
        const string Prefix = "hyperparameters.";
        PolicyManifest.RejectUnknown(element, source, Prefix, "layers", "hidden", "features");
        return new BoblrbfDnnHyperparameters(
            PolicyManifest.RequiredInt(element, "layers", 1, 1024, source, Prefix),
            PolicyManifest.RequiredInt(element, "hidden", 1, 4096, source, Prefix),
            PolicyManifest.RequiredInt(element, "features", IsacIterateInputs.FeatureCount, IsacIterateInputs.FeatureCount, source, Prefix));
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteNumber("layers", Layers);
        writer.WriteNumber("hidden", Hidden);
        writer.WriteNumber("features", Features);
    }
}
