using System.Globalization;
using System.Text.Json;

namespace Controller.Policies.ArtifactFormat;

/// <summary>Which of paper 001's neural allocators an <c>alcor-dnn</c> artifact is.</summary>
public enum AlcorDnnKind
{
    /// <summary>The centralized URA policy: the full channel of N users in, N powers out (Sec. IV, {N^2, 400, 200, N}).</summary>
    Centralized,

    /// <summary>The distributed URA policy: one network shared by every user, 41 local measurements in, its power out ({41, 100, 50, 1}).</summary>
    Distributed,

    /// <summary>The fixed-DNN benchmark: a centralized network trained with reward (10) for one fixed demand vector.</summary>
    Fixed,

    /// <summary>The dynamic-DNN benchmark: the full channel and the demand vector in ({N^2 + N, 200, 100, N}), reward (10) over random demands.</summary>
    Dynamic,
}

/// <summary>
/// Paper 001's fully connected allocators (architecture <c>alcor-dnn</c>): layer widths <see cref="Widths"/> (input first,
/// output last), ReLU after every hidden layer with batch normalization before it (eval mode: running mean and variance,
/// epsilon <see cref="BatchNormEpsilon"/>), and a sigmoid output scaled to the power box [0, Pmax].
/// Tensors: <c>layers.{l}.weight</c> [w(l+1), w(l)], <c>layers.{l}.bias</c> [w(l+1)], and for every hidden layer
/// <c>norms.{l}.weight</c>, <c>norms.{l}.bias</c>, <c>norms.{l}.running_mean</c>, <c>norms.{l}.running_var</c> [w(l+1)].
/// </summary>
/// <param name="Kind">Centralized, distributed, fixed or dynamic.</param>
/// <param name="Users">N, the users the network was built for (centralized kinds serve at most N; the distributed one any number).</param>
/// <param name="Widths">Layer widths, input first, output last.</param>
/// <param name="BatchNormEpsilon">Epsilon of the batch normalizations.</param>
public sealed record AlcorDnnHyperparameters(AlcorDnnKind Kind, int Users, IReadOnlyList<int> Widths, double BatchNormEpsilon) : PolicyHyperparameters
{
    /// <summary>The architecture's name in manifests.</summary>
    public const string Name = "alcor-dnn";

    /// <summary>The distributed policy's input width: the 41 local measurements of the paper (Sec. IV).</summary>
    public const int LocalFeatures = 41;

    /// <inheritdoc />
    public override string Architecture => Name;

    /// <summary>The kind as manifests write it.</summary>
    public string KindName => KindText(Kind);

    /// <inheritdoc />
    public override string ShapeSummary => string.Create(CultureInfo.InvariantCulture, $"kind = {KindName}, users = {Users}, widths = {{{string.Join(", ", Widths)}}}");

    /// <summary>Linear layers (widths - 1).</summary>
    public int Layers => Widths.Count - 1;

    /// <summary>The input width the kind implies for <paramref name="users"/> users.</summary>
    public static int InputWidth(AlcorDnnKind kind, int users) => kind switch
    {
        AlcorDnnKind.Distributed => LocalFeatures,
        AlcorDnnKind.Dynamic => (users * users) + users,
        _ => users * users,
    };

    /// <summary>The output width the kind implies for <paramref name="users"/> users.</summary>
    public static int OutputWidth(AlcorDnnKind kind, int users) => kind == AlcorDnnKind.Distributed ? 1 : users;

    /// <summary>The kind's name in manifests and on the command line.</summary>
    public static string KindText(AlcorDnnKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The kind named <paramref name="text"/>, or null.</summary>
    public static AlcorDnnKind? ParseKind(string? text) => text switch
    {
        "centralized" => AlcorDnnKind.Centralized,
        "distributed" => AlcorDnnKind.Distributed,
        "fixed" => AlcorDnnKind.Fixed,
        "dynamic" => AlcorDnnKind.Dynamic,
        _ => null,
    };

    /// <summary>Throws <see cref="ArgumentException"/> when the widths do not fit the kind and N.</summary>
    public void Check()
    {
        if (Users < 1 || Users > 256)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"alcor-dnn needs 1 to 256 users (got {Users})."));
        }

        if (Widths.Count < 2 || Widths.Any(w => w < 1 || w > 65_536))
        {
            throw new ArgumentException("alcor-dnn needs at least an input and an output width, each in [1, 65536].");
        }

        if (Widths[0] != InputWidth(Kind, Users) || Widths[^1] != OutputWidth(Kind, Users))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"alcor-dnn of kind {KindName} with {Users} users needs input width {InputWidth(Kind, Users)} and output width {OutputWidth(Kind, Users)} (got {{{string.Join(", ", Widths)}}})."));
        }

        if (!(BatchNormEpsilon > 0) || !double.IsFinite(BatchNormEpsilon))
        {
            throw new ArgumentException("alcor-dnn needs a positive batch-normalization epsilon.");
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors()
    {
        var tensors = new List<(string, int[])>();
        for (var l = 0; l < Layers; l++)
        {
            tensors.Add(($"layers.{l}.weight", [Widths[l + 1], Widths[l]]));
            tensors.Add(($"layers.{l}.bias", [Widths[l + 1]]));
        }

        for (var l = 0; l < Layers - 1; l++)
        {
            foreach (var part in NormParts)
            {
                tensors.Add(($"norms.{l}.{part}", [Widths[l + 1]]));
            }
        }

        return tensors;
    }

    /// <summary>The tensors of one batch normalization, in the order TorchSharp names them.</summary>
    public static readonly string[] NormParts = ["weight", "bias", "running_mean", "running_var"];

    /// <summary>Fan-in of a tensor for random initialization: the layer's input width.</summary>
    internal int FanIn(string tensorName)
    {
        var parts = tensorName.Split('.');
        var layer = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return parts[0] == "layers" ? Widths[layer] : Widths[layer + 1];
    }

    /// <inheritdoc />
    public bool Equals(AlcorDnnHyperparameters? other)
        => other is not null && Kind == other.Kind && Users == other.Users && Widths.SequenceEqual(other.Widths) && BatchNormEpsilon == other.BatchNormEpsilon;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Users, Widths.Count);

    internal static AlcorDnnHyperparameters Parse(JsonElement element, string source)
    {
        const string Prefix = "hyperparameters.";
        PolicyManifest.RejectUnknown(element, source, Prefix, "kind", "users", "widths", "batchNormEpsilon");
        var kindText = PolicyManifest.RequiredString(element, "kind", source, Prefix);
        var kind = ParseKind(kindText) ?? throw PolicyManifest.Fail(source, $"'{Prefix}kind' is '{kindText}'; known: centralized, distributed, fixed, dynamic");
        if (!element.TryGetProperty("widths", out var widthsElement) || widthsElement.ValueKind != JsonValueKind.Array)
        {
            throw PolicyManifest.Fail(source, $"'{Prefix}widths' must be an array of whole numbers");
        }

        var widths = new List<int>();
        foreach (var item in widthsElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var width))
            {
                throw PolicyManifest.Fail(source, $"'{Prefix}widths' must hold whole numbers (got {item.GetRawText()})");
            }

            widths.Add(width);
        }

        var hyperparameters = new AlcorDnnHyperparameters(
            kind,
            PolicyManifest.RequiredInt(element, "users", 1, 256, source, Prefix),
            widths,
            PolicyManifest.RequiredPositive(element, "batchNormEpsilon", source, Prefix));
        try
        {
            hyperparameters.Check();
        }
        catch (ArgumentException exception)
        {
            throw PolicyManifest.Fail(source, exception.Message);
        }

        return hyperparameters;
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("kind", KindName);
        writer.WriteNumber("users", Users);
        writer.WriteStartArray("widths");
        foreach (var width in Widths)
        {
            writer.WriteNumberValue(width);
        }

        writer.WriteEndArray();
        writer.WriteNumber("batchNormEpsilon", BatchNormEpsilon);
    }
}

/// <summary>
/// Inputs of an <c>alcor-dnn</c> policy. Centralized and fixed: the gains <c>G_ij = |h_ij|^2</c> of the N x N channel,
/// row-major <c>[receiver, transmitter]</c>, with the rows and columns of users that are off (or beyond the configuration's
/// links) set to 0 (the paper's H_xi). Dynamic: the same followed by the N demands (bps/Hz). Distributed: each user's 41
/// local measurements (<see cref="Models.AlcorDnnLocalState"/>) with the neighbour sets capped at <see cref="Neighbours"/>
/// and the threshold eta sigma^2 with eta = <see cref="Eta"/>. Values are used as computed, in the gains' own scale, as the
/// paper feeds them (S = H).
/// </summary>
/// <param name="Features">"gains", "gains+demands" or "local-41".</param>
/// <param name="Neighbours">Largest size of the interferer and interfered sets (distributed; 5 in the paper).</param>
/// <param name="Eta">Threshold factor eta of the neighbour sets (distributed; 1 in the paper).</param>
public sealed record AlcorDnnInputs(string Features, int Neighbours, double Eta) : PolicyInputs
{
    /// <summary>The features of a kind.</summary>
    public static string FeaturesOf(AlcorDnnKind kind) => kind switch
    {
        AlcorDnnKind.Distributed => "local-41",
        AlcorDnnKind.Dynamic => "gains+demands",
        _ => "gains",
    };

    internal static AlcorDnnInputs Parse(JsonElement element, AlcorDnnHyperparameters hyperparameters, string source)
    {
        PolicyManifest.RejectUnknown(element, source, "inputs.", "features", "neighbours", "eta");
        var features = PolicyManifest.RequiredString(element, "features", source, "inputs.");
        var expected = FeaturesOf(hyperparameters.Kind);
        if (features != expected)
        {
            throw PolicyManifest.Fail(source, $"'inputs.features' is '{features}'; kind {hyperparameters.KindName} computes '{expected}'");
        }

        var neighbours = PolicyManifest.RequiredInt(element, "neighbours", 5, 5, source, "inputs.");
        var eta = PolicyManifest.RequiredNumber(element, "eta", source, "inputs.");
        if (!(eta >= 0))
        {
            throw PolicyManifest.Fail(source, "'inputs.eta' must not be negative");
        }

        return new AlcorDnnInputs(features, neighbours, eta);
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("features", Features);
        writer.WriteNumber("neighbours", Neighbours);
        writer.WriteNumber("eta", Eta);
    }
}
