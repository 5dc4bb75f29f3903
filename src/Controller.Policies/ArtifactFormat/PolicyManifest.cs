using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// <c>manifest.json</c> of a policy artifact (format <c>controller-policy/1</c>): the architecture and its
/// hyperparameters, how inputs are computed, and how the weights were trained. <see cref="Parse"/> checks
/// what inference depends on (format, architecture, hyperparameters, inputs) strictly and keeps the
/// descriptive parts (training, validation) as they are.
/// </summary>
/// <param name="Name">The artifact's name (normally its directory's name).</param>
/// <param name="Hyperparameters">Architecture and hyperparameters; the architecture decides the expected tensors.</param>
/// <param name="Inputs">How the network's inputs are computed from the radio state.</param>
public sealed record PolicyManifest(string Name, PolicyHyperparameters Hyperparameters, PolicyInputs Inputs)
{
    /// <summary>The only format this controller reads and writes.</summary>
    public const string CurrentFormat = "controller-policy/1";

    /// <summary>The file name inside an artifact directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The architecture's name: <c>resilient-gnn</c>, <c>agg-gnn</c>, <c>sel-gnn</c> or <c>boblrbf-dnn</c>.</summary>
    public string Architecture => Hyperparameters.Architecture;

    /// <summary>How the weights were trained (null when the manifest says nothing).</summary>
    public PolicyTraining? Training { get; init; }

    /// <summary>The manifest's <c>validation</c> object as written (metrics of the chosen epoch), or null.</summary>
    public JsonElement? Validation { get; init; }

    /// <summary>The manifest's <c>evaluation</c> object as written (test-set metrics beside baselines), or null.</summary>
    public JsonElement? Evaluation { get; init; }

    /// <summary>Git commit of the training code, or <c>unknown</c>.</summary>
    public string CodeVersion { get; init; } = "unknown";

    /// <summary>When the artifact was written, if the manifest says.</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    /// <summary>Reads and validates <c>manifest.json</c> at <paramref name="path"/>.</summary>
    public static PolicyManifest Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json;
        try
        {
            json = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PolicyArtifactException(path, $"cannot be read ({exception.Message})", exception);
        }

        return Parse(json, path);
    }

    /// <summary>Validates and decodes manifest <paramref name="json"/>; <paramref name="source"/> names it in messages.</summary>
    public static PolicyManifest Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException exception)
        {
            throw new PolicyArtifactException(source, $"is not valid JSON ({exception.Message})", exception);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, "must hold a JSON object");
            }

            var format = RequiredString(root, "format", source);
            if (format != CurrentFormat)
            {
                throw Fail(source, $"format is '{format}'; this controller reads only '{CurrentFormat}'");
            }

            var name = RequiredString(root, "name", source);
            var architecture = RequiredString(root, "architecture", source);
            var hyperparameters = RequiredObject(root, "hyperparameters", source);
            var inputs = RequiredObject(root, "inputs", source);
            PolicyHyperparameters parsedHyperparameters;
            PolicyInputs parsedInputs;
            switch (architecture)
            {
                case ResilientGnnHyperparameters.Name:
                    var resilient = ResilientGnnHyperparameters.Parse(hyperparameters, source);
                    parsedHyperparameters = resilient;
                    parsedInputs = PfRatioInputs.Parse(inputs, source);
                    break;
                case AggGnnHyperparameters.Name:
                    var aggregation = AggGnnHyperparameters.Parse(hyperparameters, source);
                    parsedHyperparameters = aggregation;
                    parsedInputs = AggregationInputs.Parse(inputs, aggregation.SequenceLength, source);
                    break;
                case SelGnnHyperparameters.Name:
                    parsedHyperparameters = SelGnnHyperparameters.Parse(hyperparameters, source);
                    parsedInputs = ChannelGraphInputs.Parse(inputs, source);
                    break;
                case AlcorDnnHyperparameters.Name:
                    var dnn = AlcorDnnHyperparameters.Parse(hyperparameters, source);
                    parsedHyperparameters = dnn;
                    parsedInputs = AlcorDnnInputs.Parse(inputs, dnn, source);
                    break;
                case BoblrbfDnnHyperparameters.Name:
                    parsedHyperparameters = BoblrbfDnnHyperparameters.Parse(hyperparameters, source);
                    parsedInputs = IsacIterateInputs.Parse(inputs, source);
                    break;
                default:
                    throw Fail(source, $"architecture '{architecture}' is unknown; known: {ResilientGnnHyperparameters.Name}, {AggGnnHyperparameters.Name}, {SelGnnHyperparameters.Name}, {AlcorDnnHyperparameters.Name}, {BoblrbfDnnHyperparameters.Name}");
            }

            return new PolicyManifest(name, parsedHyperparameters, parsedInputs)
            {
                Training = root.TryGetProperty("training", out var training) ? PolicyTraining.Parse(training, source) : null,
                Validation = root.TryGetProperty("validation", out var validation) ? validation.Clone() : null,
                Evaluation = root.TryGetProperty("evaluation", out var evaluation) ? evaluation.Clone() : null,
                CodeVersion = root.TryGetProperty("codeVersion", out var code) && code.ValueKind == JsonValueKind.String ? code.GetString()! : "unknown",
                CreatedUtc = root.TryGetProperty("createdUtc", out var created) && created.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null,
            };
        }
    }

    /// <summary>The manifest as indented JSON, in the contract's field order.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", CurrentFormat);
            writer.WriteString("name", Name);
            writer.WriteString("architecture", Architecture);
            writer.WriteStartObject("hyperparameters");
            Hyperparameters.Write(writer);
            writer.WriteEndObject();
            writer.WriteStartObject("inputs");
            Inputs.Write(writer);
            writer.WriteEndObject();
            if (Training is not null)
            {
                writer.WriteStartObject("training");
                Training.Write(writer);
                writer.WriteEndObject();
            }

            if (Validation is { } validation)
            {
                writer.WritePropertyName("validation");
                validation.WriteTo(writer);
            }

            if (Evaluation is { } evaluation)
            {
                writer.WritePropertyName("evaluation");
                evaluation.WriteTo(writer);
            }

            writer.WriteString("codeVersion", CodeVersion);
            if (CreatedUtc is { } created)
            {
                writer.WriteString("createdUtc", created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static PolicyArtifactException Fail(string source, string problem) => new(source, problem);

    /// <summary>True when two formula texts are equal up to spaces (how a manifest names its inputs).</summary>
    internal static bool SameFormula(string a, string b)
        => string.Equals(a.Replace(" ", string.Empty, StringComparison.Ordinal), b.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

    internal static string RequiredString(JsonElement parent, string name, string source, string prefix = "")
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw Fail(source, $"'{prefix}{name}' is missing");
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Fail(source, $"'{prefix}{name}' must be a string (got {value.GetRawText()})");
    }

    internal static int RequiredInt(JsonElement parent, string name, int minimum, int maximum, string source, string prefix)
    {
        var value = RequiredNumber(parent, name, source, prefix);
        if (value != Math.Floor(value) || value < minimum || value > maximum)
        {
            throw Fail(source, string.Create(CultureInfo.InvariantCulture, $"'{prefix}{name}' must be a whole number in [{minimum}, {maximum}] (got {value})"));
        }

        return (int)value;
    }

    internal static double RequiredNumber(JsonElement parent, string name, string source, string prefix)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw Fail(source, $"'{prefix}{name}' is missing");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw Fail(source, $"'{prefix}{name}' must be a finite number (got {value.GetRawText()})");
        }

        return number;
    }

    /// <summary><see cref="RequiredNumber"/> that must also be above 0.</summary>
    internal static double RequiredPositive(JsonElement parent, string name, string source, string prefix)
    {
        var number = RequiredNumber(parent, name, source, prefix);
        return number > 0
            ? number
            : throw Fail(source, string.Create(CultureInfo.InvariantCulture, $"'{prefix}{name}' must be positive (got {number})"));
    }

    internal static void RejectUnknown(JsonElement element, string source, string prefix, params string[] known)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Fail(source, $"'{prefix}{property.Name}' is not a field of this architecture (known: {string.Join(", ", known)})");
            }
        }
    }

    private static JsonElement RequiredObject(JsonElement parent, string name, string source)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw Fail(source, $"'{name}' is missing");
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw Fail(source, $"'{name}' must be an object");
    }
}

/// <summary>An architecture and its hyperparameters (the manifest's <c>architecture</c> and <c>hyperparameters</c>).</summary>
public abstract record PolicyHyperparameters
{
    /// <summary>The architecture's name in manifests.</summary>
    public abstract string Architecture { get; }

    /// <summary>Every tensor the architecture needs, with its shape, in the order a writer lays them out.</summary>
    public abstract IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors();

    /// <summary>The hyperparameters that decide tensor shapes, for messages: <c>layers = 2, hidden = 64</c>.</summary>
    public abstract string ShapeSummary { get; }

    /// <summary>Writes the hyperparameters' fields into the open <c>hyperparameters</c> object.</summary>
    internal abstract void Write(Utf8JsonWriter writer);
}

/// <summary>
/// Paper 003's resilient GNN: <paramref name="Layers"/> graph layers of width <paramref name="Hidden"/>
/// with LeakyReLU(<paramref name="LeakySlope"/>), a power head per cell and a selection head whose softmax
/// over a cell's active users uses <paramref name="SelectionTemperature"/>.
/// </summary>
/// <param name="Layers">Graph layers.</param>
/// <param name="Hidden">Width of every layer's output.</param>
/// <param name="LeakySlope">Negative slope of the LeakyReLU.</param>
/// <param name="SelectionTemperature">Softmax temperature of the selection head.</param>
public sealed record ResilientGnnHyperparameters(int Layers, int Hidden, double LeakySlope, double SelectionTemperature) : PolicyHyperparameters
{
    /// <summary>The architecture's name in manifests.</summary>
    public const string Name = "resilient-gnn";

    /// <inheritdoc />
    public override string Architecture => Name;

    /// <inheritdoc />
    public override string ShapeSummary => string.Create(CultureInfo.InvariantCulture, $"layers = {Layers}, hidden = {Hidden}");

    /// <summary>Input width of layer <paramref name="layer"/>: 1 (the PF feature) for the first, else <see cref="Hidden"/>.</summary>
    public int InputWidth(int layer) => layer == 0 ? 1 : Hidden;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors()
    {
        var tensors = new List<(string, int[])>();
        for (var l = 0; l < Layers; l++)
        {
            var input = InputWidth(l);
            tensors.Add(($"layers.{l}.w1.weight", [Hidden, input]));
            tensors.Add(($"layers.{l}.w1.bias", [Hidden]));
            tensors.Add(($"layers.{l}.w2.weight", [Hidden, input]));
            tensors.Add(($"layers.{l}.w3.weight", [Hidden, input]));
        }

        tensors.Add(("power.weight", [1, Hidden]));
        tensors.Add(("power.bias", [1]));
        tensors.Add(("selection.weight", [1, Hidden]));
        tensors.Add(("selection.bias", [1]));
        return tensors;
    }

    internal static ResilientGnnHyperparameters Parse(JsonElement element, string source)
    {
        const string Prefix = "hyperparameters.";
        PolicyManifest.RejectUnknown(element, source, Prefix, "layers", "hidden", "leakySlope", "selectionTemperature");
        var temperature = PolicyManifest.RequiredPositive(element, "selectionTemperature", source, Prefix);

        return new ResilientGnnHyperparameters(
            PolicyManifest.RequiredInt(element, "layers", 1, 64, source, Prefix),
            PolicyManifest.RequiredInt(element, "hidden", 1, 4096, source, Prefix),
            PolicyManifest.RequiredNumber(element, "leakySlope", source, Prefix),
            temperature);
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteNumber("layers", Layers);
        writer.WriteNumber("hidden", Hidden);
        writer.WriteNumber("leakySlope", LeakySlope);
        writer.WriteNumber("selectionTemperature", SelectionTemperature);
    }
}

/// <summary>
/// Paper 004's Agg-GNN: <paramref name="Layers"/> one-channel convolutions of length
/// <paramref name="FilterLength"/> over the aggregation sequence of length <paramref name="SequenceLength"/> (K);
/// the output is the probability of transmitting at <paramref name="P0"/>.
/// </summary>
/// <param name="SequenceLength">K, the aggregation sequence's length.</param>
/// <param name="Layers">Convolution layers.</param>
/// <param name="FilterLength">Taps of every convolution.</param>
/// <param name="P0">Transmit power when on (also in the state <c>log2(1 + p0 G_ii / N0)</c>).</param>
public sealed record AggGnnHyperparameters(int SequenceLength, int Layers, int FilterLength, double P0) : PolicyHyperparameters
{
    /// <summary>The architecture's name in manifests.</summary>
    public const string Name = "agg-gnn";

    /// <inheritdoc />
    public override string Architecture => Name;

    /// <inheritdoc />
    public override string ShapeSummary => string.Create(CultureInfo.InvariantCulture, $"layers = {Layers}, filterLength = {FilterLength}");

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors()
    {
        var tensors = new List<(string, int[])>();
        for (var l = 0; l < Layers; l++)
        {
            tensors.Add(($"conv.{l}.weight", [1, 1, FilterLength]));
            tensors.Add(($"conv.{l}.bias", [1]));
        }

        return tensors;
    }

    internal static AggGnnHyperparameters Parse(JsonElement element, string source)
    {
        const string Prefix = "hyperparameters.";
        PolicyManifest.RejectUnknown(element, source, Prefix, "sequenceLength", "layers", "filterLength", "p0");
        var p0 = PolicyManifest.RequiredPositive(element, "p0", source, Prefix);

        return new AggGnnHyperparameters(
            PolicyManifest.RequiredInt(element, "sequenceLength", 1, 1024, source, Prefix),
            PolicyManifest.RequiredInt(element, "layers", 1, 256, source, Prefix),
            PolicyManifest.RequiredInt(element, "filterLength", 1, 1024, source, Prefix),
            p0);
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteNumber("sequenceLength", SequenceLength);
        writer.WriteNumber("layers", Layers);
        writer.WriteNumber("filterLength", FilterLength);
        writer.WriteNumber("p0", P0);
    }
}

/// <summary>
/// Hyperparameters of paper 004's centralized comparison, the selection GNN of its reference [16] (architecture
/// <c>sel-gnn</c>): <see cref="Layers"/> graph-filter layers with one feature each, every filter a polynomial of
/// <see cref="FilterLength"/> taps in the normalized channel graph, ReLU between layers and a sigmoid at the end;
/// <see cref="P0"/> the power when on. Tensors <c>filter.{l}.weight</c> [FilterLength] and <c>filter.{l}.bias</c> [1].
/// </summary>
/// <param name="Layers">Graph-filter layers (10 in the paper).</param>
/// <param name="FilterLength">Taps per filter, S^0 .. S^(FilterLength-1) (10 in the paper).</param>
/// <param name="P0">Transmit power when on, also inside the node state.</param>
public sealed record SelGnnHyperparameters(int Layers, int FilterLength, double P0) : PolicyHyperparameters
{
    /// <summary>The architecture name.</summary>
    public const string Name = "sel-gnn";

    /// <inheritdoc />
    public override string Architecture => Name;

    /// <inheritdoc />
    public override string ShapeSummary => string.Create(CultureInfo.InvariantCulture, $"layers = {Layers}, filterLength = {FilterLength}");

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, int[] Shape)> ExpectedTensors()
    {
        var tensors = new List<(string, int[])>();
        for (var l = 0; l < Layers; l++)
        {
            tensors.Add(($"filter.{l}.weight", [FilterLength]));
            tensors.Add(($"filter.{l}.bias", [1]));
        }

        return tensors;
    }

    internal static SelGnnHyperparameters Parse(JsonElement element, string source)
    {
        const string Prefix = "hyperparameters.";
        PolicyManifest.RejectUnknown(element, source, Prefix, "layers", "filterLength", "p0");
        var p0 = PolicyManifest.RequiredPositive(element, "p0", source, Prefix);
        return new SelGnnHyperparameters(
            PolicyManifest.RequiredInt(element, "layers", 1, 256, source, Prefix),
            PolicyManifest.RequiredInt(element, "filterLength", 1, 64, source, Prefix),
            p0);
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteNumber("layers", Layers);
        writer.WriteNumber("filterLength", FilterLength);
        writer.WriteNumber("p0", P0);
    }
}

/// <summary>How an architecture's inputs are computed (the manifest's <c>inputs</c>).</summary>
public abstract record PolicyInputs
{
    /// <summary>Writes the fields into the open <c>inputs</c> object.</summary>
    internal abstract void Write(Utf8JsonWriter writer);
}

/// <summary>
/// The resilient GNN's node feature: <c>log(1 + fhat_j / max(fbar_j, 1e-9))</c>, the log1p of the
/// proportional-fair ratio (the only feature this controller computes).
/// </summary>
public sealed record PfRatioInputs : PolicyInputs
{
    /// <summary>The node feature's name in manifests.</summary>
    public const string NodeFeature = "pf-ratio";

    /// <summary>The transform's name in manifests.</summary>
    public const string Transform = "log1p";

    internal static PfRatioInputs Parse(JsonElement element, string source)
    {
        PolicyManifest.RejectUnknown(element, source, "inputs.", "nodeFeature", "transform");
        var feature = PolicyManifest.RequiredString(element, "nodeFeature", source, "inputs.");
        var transform = PolicyManifest.RequiredString(element, "transform", source, "inputs.");
        if (feature != NodeFeature || transform != Transform)
        {
            throw PolicyManifest.Fail(source, $"inputs are '{feature}' with transform '{transform}'; this controller computes only '{NodeFeature}' with '{Transform}'");
        }

        return new PfRatioInputs();
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("nodeFeature", NodeFeature);
        writer.WriteString("transform", Transform);
    }
}

/// <summary>
/// The Agg-GNN's input: node i's aggregation sequence of the state <c>log2(1 + p0 G_ii / N0)</c>, divided
/// elementwise by <see cref="Scale"/> (fixed at training time, all positive).
/// </summary>
public sealed record AggregationInputs : PolicyInputs
{
    /// <summary>The state's formula as manifests write it.</summary>
    public const string State = "log2(1 + p0 G_ii / N0)";

    private readonly double[] _scale;

    /// <summary>Creates the inputs with one positive, finite scale per sequence position.</summary>
    public AggregationInputs(IReadOnlyList<double> scale)
    {
        ArgumentNullException.ThrowIfNull(scale);
        if (scale.Count == 0 || scale.Any(s => !(s > 0) || !double.IsFinite(s)))
        {
            throw new ArgumentException("The scale needs one positive, finite value per sequence position.", nameof(scale));
        }

        _scale = [.. scale];
    }

    /// <summary>Divisors of the K sequence positions.</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Informational echo of the training's eta0 (<c>inputs.edgeThreshold</c>), or null; the controller reads eta0 from the training settings.</summary>
    public double? EdgeThreshold { get; init; }

    /// <summary>Informational text on how the training data's nodes woke (<c>inputs.activity</c>), or null.</summary>
    public string? Activity { get; init; }

    /// <inheritdoc />
    public bool Equals(AggregationInputs? other)
        => other is not null && _scale.AsSpan().SequenceEqual(other._scale) && EdgeThreshold == other.EdgeThreshold && Activity == other.Activity;

    /// <inheritdoc />
    public override int GetHashCode() => _scale.Length;

    internal static AggregationInputs Parse(JsonElement element, int sequenceLength, string source)
    {
        // "edgeThreshold" and "activity" are the trainer's informational echoes of its aggregation setup (the
        // controller reads eta0 from the training settings); anything else is a mismatch.
        PolicyManifest.RejectUnknown(element, source, "inputs.", "state", "scale", "edgeThreshold", "activity");
        var state = PolicyManifest.RequiredString(element, "state", source, "inputs.");
        if (!PolicyManifest.SameFormula(state, State))
        {
            throw PolicyManifest.Fail(source, $"'inputs.state' is '{state}'; this controller computes only '{State}'");
        }

        if (!element.TryGetProperty("scale", out var scale) || scale.ValueKind != JsonValueKind.Array)
        {
            throw PolicyManifest.Fail(source, "'inputs.scale' must be an array of positive numbers");
        }

        var values = new List<double>();
        foreach (var item in scale.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var value) || !(value > 0) || !double.IsFinite(value))
            {
                throw PolicyManifest.Fail(source, $"'inputs.scale' must hold positive, finite numbers (got {item.GetRawText()})");
            }

            values.Add(value);
        }

        if (values.Count != sequenceLength)
        {
            throw PolicyManifest.Fail(source, $"'inputs.scale' has {values.Count} values but sequenceLength is {sequenceLength}");
        }

        return new AggregationInputs(values)
        {
            EdgeThreshold = element.TryGetProperty("edgeThreshold", out var eta0) && eta0.ValueKind == JsonValueKind.Number && eta0.TryGetDouble(out var threshold) ? threshold : null,
            Activity = element.TryGetProperty("activity", out var activity) && activity.ValueKind == JsonValueKind.String ? activity.GetString() : null,
        };
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("state", State);
        writer.WriteStartArray("scale");
        foreach (var value in _scale)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
        if (EdgeThreshold is { } eta0)
        {
            writer.WriteNumber("edgeThreshold", eta0);
        }

        if (Activity is not null)
        {
            writer.WriteString("activity", Activity);
        }
    }
}

/// <summary>
/// Inputs of a <c>sel-gnn</c> policy, computed centrally from the current channel: node state
/// <c>x_i = log2(1 + p0 G_ii / N0) / stateScale</c> for the links that decide (0 for the others), and the graph shift
/// <c>S = A / max_i sum_j A_ij</c> with <c>A_ij = |h_ij| = sqrt(G_ij)</c> (self included), so that every power S^k stays
/// bounded whatever the size and the path loss; that normalization makes S independent of the noise power and of any
/// common scale of the gains.
/// </summary>
/// <param name="StateScale">The divisor of the node state (the trainer's mean state over its training data).</param>
public sealed record ChannelGraphInputs(double StateScale) : PolicyInputs
{
    /// <summary>The node state this controller computes.</summary>
    public const string State = "log2(1 + p0 G_ii / N0)";

    /// <summary>The graph shift this controller computes.</summary>
    public const string Shift = "sqrt(G_ij) / max_i sum_j sqrt(G_ij)";

    internal static ChannelGraphInputs Parse(JsonElement element, string source)
    {
        PolicyManifest.RejectUnknown(element, source, "inputs.", "state", "shift", "stateScale");
        var state = PolicyManifest.RequiredString(element, "state", source, "inputs.");
        var shift = PolicyManifest.RequiredString(element, "shift", source, "inputs.");
        if (!PolicyManifest.SameFormula(state, State) || !PolicyManifest.SameFormula(shift, Shift))
        {
            throw PolicyManifest.Fail(source, $"inputs are state '{state}' and shift '{shift}'; this controller computes only state '{State}' and shift '{Shift}'");
        }

        return new ChannelGraphInputs(PolicyManifest.RequiredPositive(element, "stateScale", source, "inputs."));
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("state", State);
        writer.WriteString("shift", Shift);
        writer.WriteNumber("stateScale", StateScale);
    }
}

/// <summary>
/// The manifest's <c>training</c> object: the scenario and settings the weights were trained on (the
/// controller reads settings such as the Agg-GNN's <c>edgeThreshold</c> from here) and the rest as written.
/// </summary>
/// <param name="Scenario">Scenario name, or null.</param>
/// <param name="Settings">Scenario settings as text (numbers are kept as written).</param>
/// <param name="Other">Every other field of the object, as written.</param>
public sealed record PolicyTraining(string? Scenario, IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, JsonElement> Other)
{
    /// <summary>A setting as a number, or null when absent or not a number.</summary>
    public double? SettingAsNumber(string name)
        => Settings.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    internal static PolicyTraining Parse(JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw PolicyManifest.Fail(source, "'training' must be an object");
        }

        string? scenario = null;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var other = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "scenario" when property.Value.ValueKind == JsonValueKind.String:
                    scenario = property.Value.GetString();
                    break;
                case "settings":
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw PolicyManifest.Fail(source, "'training.settings' must be an object of key: value");
                    }

                    foreach (var setting in property.Value.EnumerateObject())
                    {
                        settings[setting.Name] = setting.Value.ValueKind switch
                        {
                            JsonValueKind.String => setting.Value.GetString()!,
                            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => setting.Value.GetRawText(),
                            _ => throw PolicyManifest.Fail(source, $"'training.settings.{setting.Name}' must be a string or a number"),
                        };
                    }

                    break;
                default:
                    other[property.Name] = property.Value.Clone();
                    break;
            }
        }

        return new PolicyTraining(scenario, settings, other);
    }

    internal void Write(Utf8JsonWriter writer)
    {
        if (Scenario is not null)
        {
            writer.WriteString("scenario", Scenario);
        }

        writer.WriteStartObject("settings");
        foreach (var (key, value) in Settings)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        foreach (var (key, value) in Other)
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
    }
}
