using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// The safetensors layout of <c>controller-policy/1</c> (src/Controller.Policies/ARTIFACT_FORMAT.md): an 8-byte
/// little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>,
/// then the tensors' raw little-endian bytes, offsets relative to the first data byte. Only F32. Reading is
/// strict: every problem (truncation, bad JSON, another dtype, offsets that leave gaps or overlap, a byte
/// count that does not match the shape, a NaN or infinite weight) is a <see cref="PolicyArtifactException"/>
/// naming the file.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>The header key that holds string metadata rather than a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    // Header sizes above this are not weights of a policy network but a corrupt length field; refusing them
    // early avoids allocating gigabytes for a bad prefix (the reference implementation caps at 100 MB too).
    private const long MaxHeaderBytes = 100_000_000;

    // Every dtype name of the safetensors specification: a known one other than F32 gets its own message.
    private static readonly string[] KnownDtypes = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    private SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        var byName = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            byName.Add(tensor.Name, tensor);
        }

        ByName = byName;
    }

    /// <summary>The tensors in the order of their data.</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> ByName { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PolicyArtifactException(path, $"cannot be read ({exception.Message})", exception);
        }

        return Parse(bytes, path);
    }

    /// <summary>Validates and decodes safetensors <paramref name="bytes"/>; <paramref name="source"/> names them in messages.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (bytes.Length < sizeof(ulong))
        {
            throw Fail(source, $"is {bytes.Length} bytes long, shorter than the 8-byte header length (truncated file)");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var available = bytes.Length - sizeof(ulong);
        if (headerLength > (ulong)available)
        {
            throw Fail(source, $"header length {headerLength} runs past the end of the file ({available} bytes follow the 8-byte length; truncated file?)");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw Fail(source, $"header length {headerLength} is above the {MaxHeaderBytes}-byte limit");
        }

        var header = bytes.Slice(sizeof(ulong), (int)headerLength);
        var data = bytes[(sizeof(ulong) + (int)headerLength)..];
        var (entries, metadata) = ParseHeader(header, source);
        CheckTiling(entries, data.Length, source);

        var tensors = new List<SafeTensor>(entries.Count);
        foreach (var entry in entries)
        {
            var raw = data[(int)entry.Begin..(int)entry.End];
            var values = new float[raw.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
                if (!float.IsFinite(values[i]))
                {
                    throw Fail(source, string.Create(CultureInfo.InvariantCulture, $"tensor '{entry.Name}' holds a non-finite value ({values[i]}) at flat index {i}"));
                }
            }

            tensors.Add(new SafeTensor(entry.Name, entry.Shape, values));
        }

        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (data in the given order, offsets contiguous) and
    /// <paramref name="metadata"/> to <paramref name="path"/>, replacing any file there.
    /// </summary>
    public static void Write(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Serialize(tensors, metadata));
    }

    /// <summary>The bytes <see cref="Write"/> writes. The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.</summary>
    public static byte[] Serialize(IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        using var headerStream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(headerStream))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tensor in list)
            {
                if (!names.Add(tensor.Name) || tensor.Name == MetadataKey)
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is used twice or reserved.", nameof(tensors));
                }

                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += (long)tensor.Values.Length * sizeof(float);
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        var headerLength = (int)headerStream.Length;
        var padded = (headerLength + 7) / 8 * 8;
        var dataLength = list.Sum(t => (long)t.Values.Length * sizeof(float));
        var bytes = new byte[sizeof(ulong) + padded + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        headerStream.GetBuffer().AsSpan(0, headerLength).CopyTo(bytes.AsSpan(sizeof(ulong)));
        bytes.AsSpan(sizeof(ulong) + headerLength, padded - headerLength).Fill((byte)' ');
        var position = sizeof(ulong) + padded;
        foreach (var tensor in list)
        {
            foreach (var value in tensor.Values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(position), value);
                position += sizeof(float);
            }
        }

        return bytes;
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException exception)
        {
            throw new PolicyArtifactException(source, $"header is not valid JSON ({exception.Message})", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, $"header is a JSON {document.RootElement.ValueKind}, not an object of tensors");
            }

            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Fail(source, $"header names '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    ParseMetadata(property.Value, metadata, source);
                }
                else
                {
                    entries.Add(ParseEntry(property.Name, property.Value, source));
                }
            }

            return (entries, metadata);
        }
    }

    private static void ParseMetadata(JsonElement element, Dictionary<string, string> metadata, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"'{MetadataKey}' must be an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail(source, $"'{MetadataKey}.{item.Name}' must be a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string name, JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"tensor '{name}' must be an object with dtype, shape and data_offsets");
        }

        string? dtype = null;
        int[]? shape = null;
        long[]? offsets = null;
        foreach (var field in element.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype":
                    dtype = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : throw Fail(source, $"tensor '{name}': dtype must be a string");
                    break;
                case "shape":
                    shape = [.. ReadIntegers(field.Value, name, "shape", source).Select(d => d <= int.MaxValue ? (int)d : throw Fail(source, $"tensor '{name}': dimension {d} is too large"))];
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(field.Value, name, "data_offsets", source);
                    break;
                default:
                    throw Fail(source, $"tensor '{name}' has an unexpected field '{field.Name}' (expected dtype, shape, data_offsets)");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            var missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Fail(source, $"tensor '{name}' has no {missing}");
        }

        if (dtype != "F32")
        {
            throw Fail(
                source,
                KnownDtypes.Contains(dtype, StringComparer.Ordinal)
                    ? $"tensor '{name}' has dtype {dtype}; controller-policy/1 weights are F32 only"
                    : $"tensor '{name}' has unknown dtype '{dtype}'; controller-policy/1 weights are F32 only");
        }

        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw Fail(source, $"tensor '{name}': data_offsets must be [begin, end] with begin <= end (got [{string.Join(", ", offsets)}])");
        }

        long elements = 1;
        foreach (var dimension in shape)
        {
            elements *= dimension;
            if (elements > Array.MaxLength)
            {
                throw Fail(source, $"tensor '{name}' of shape {SafeTensor.FormatShape(shape)} is too large");
            }
        }

        var bytes = offsets[1] - offsets[0];
        if (bytes != elements * sizeof(float))
        {
            throw Fail(source, $"tensor '{name}' of shape {SafeTensor.FormatShape(shape)} needs {elements * sizeof(float)} bytes of F32 but its data_offsets [{offsets[0]}, {offsets[1]}] span {bytes}");
        }

        return new Entry(name, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement element, string name, string field, string source)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, $"tensor '{name}': {field} must be an array of whole numbers");
        }

        var values = new long[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out values[i]) || values[i] < 0)
            {
                throw Fail(source, $"tensor '{name}': {field} must hold whole numbers >= 0 (got {item.GetRawText()})");
            }

            i++;
        }

        return values;
    }

    private static void CheckTiling(List<Entry> entries, int dataLength, string source)
    {
        // The JSON object's key order carries no meaning; the data order is the order of the offsets.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        Entry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Begin > expected)
            {
                throw Fail(source, $"data bytes [{expected}, {entry.Begin}) belong to no tensor (offsets must tile the data without gaps)");
            }

            if (entry.Begin < expected)
            {
                throw Fail(source, $"tensor '{entry.Name}' (bytes [{entry.Begin}, {entry.End})) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End})); offsets must tile the data");
            }

            expected = entry.End;
            previous = entry;
        }

        if (expected > dataLength)
        {
            throw Fail(source, $"tensor '{previous!.Name}' ends at data byte {expected} but the file holds only {dataLength} data bytes (truncated file?)");
        }

        if (expected < dataLength)
        {
            throw Fail(source, $"the last {dataLength - expected} data bytes belong to no tensor (offsets must tile the data)");
        }
    }

    private static PolicyArtifactException Fail(string source, string problem) => new(source, problem);

    private sealed record Entry(string Name, int[] Shape, long Begin, long End);
}
