using System.Text.Json;
using Orleans.Storage;

namespace Controller.Persistence;

/// <summary>
/// The default serializer of <see cref="FileGrainStorage"/>: System.Text.Json with no .NET type names in
/// the output, so a state class can be renamed or moved without orphaning its files (only its property
/// names matter). Non-finite numbers (NaN, ±Infinity) are refused on write, as JSON has no literal for
/// them; the write then fails before any file is touched.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Uses <see cref="CreateDefaultOptions"/>.</summary>
    public JsonGrainStateSerializer()
        : this(CreateDefaultOptions())
    {
    }

    /// <summary>Uses <paramref name="options"/> as given (they are frozen on first use by System.Text.Json).</summary>
    public JsonGrainStateSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Property names as declared, public fields included (grain state classes often use them and would
    /// otherwise be written as <c>{}</c>), strict numbers (NaN and infinities throw), compact output.
    /// </summary>
    public static JsonSerializerOptions CreateDefaultOptions() => new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        WriteIndented = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };

    /// <inheritdoc />
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, _options));

    /// <inheritdoc />
    public T Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return JsonSerializer.Deserialize<T>(input.ToMemory().Span, _options)!;
    }
}
