using System.Diagnostics;
using System.Text.Json;

namespace Controller.Runtime.Grains;

/// <summary>
/// The wire form of grain calls and replies: JSON with the grain id, the method name, one JSON value
/// per argument (cancellation tokens stay behind: they do not cross processes) and the caller's W3C
/// traceparent. A cluster transport sends exactly these bytes between silos; in one process,
/// <see cref="GrainRuntimeOptions.SerializeCalls"/> puts every call through it, so grain code and
/// arguments are proven to work across the seam before there is a second silo.
/// </summary>
internal static class GrainCallCodec
{
    private static JsonSerializerOptions Options => RuntimeJson.Options;

    public static byte[] EncodeCall(GrainId grain, GrainMethod method, object?[] arguments, ActivityContext parent)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", grain.Type);
            writer.WriteString("key", grain.Key);
            writer.WriteString("method", method.Name);
            if (parent != default)
            {
                writer.WriteString("traceparent", $"00-{parent.TraceId}-{parent.SpanId}-{(parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}");
            }

            writer.WriteStartArray("arguments");
            for (var i = 0; i < arguments.Length; i++)
            {
                if (i == method.CancellationTokenIndex)
                {
                    continue;
                }

                try
                {
                    JsonSerializer.Serialize(writer, arguments[i], method.ParameterTypes[i], Options);
                }
                catch (Exception exception) when (exception is NotSupportedException or JsonException or InvalidOperationException)
                {
                    throw new GrainCallSerializationException(
                        $"Argument {i} ({method.ParameterTypes[i].Name}) of {method.SpanName} on grain {grain} cannot be serialized: {exception.Message}", exception);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static DecodedCall DecodeCall(ReadOnlySpan<byte> bytes, Func<GrainId, string, GrainMethod> resolve, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(bytes.ToArray());
        var root = document.RootElement;
        var grain = new GrainId(root.GetProperty("type").GetString()!, root.GetProperty("key").GetString()!);
        var method = resolve(grain, root.GetProperty("method").GetString()!);
        var parent = root.TryGetProperty("traceparent", out var traceparent) && ActivityContext.TryParse(traceparent.GetString(), null, out var context) ? context : default;
        var arguments = new object?[method.ParameterTypes.Length];
        var values = root.GetProperty("arguments").EnumerateArray().GetEnumerator();
        for (var i = 0; i < arguments.Length; i++)
        {
            if (i == method.CancellationTokenIndex)
            {
                arguments[i] = cancellationToken;
                continue;
            }

            if (!values.MoveNext())
            {
                throw new GrainCallSerializationException($"The call to {method.SpanName} on grain {grain} carries too few arguments.");
            }

            arguments[i] = values.Current.Deserialize(method.ParameterTypes[i], Options);
        }

        return new DecodedCall(grain, method, arguments, parent);
    }

    public static byte[] EncodeResult<TResult>(TResult value, string what)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, Options);
        }
        catch (Exception exception) when (exception is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new GrainCallSerializationException($"The result ({typeof(TResult).Name}) of {what} cannot be serialized: {exception.Message}", exception);
        }
    }

    public static TResult DecodeResult<TResult>(ReadOnlySpan<byte> bytes) => JsonSerializer.Deserialize<TResult>(bytes, Options)!;
}

/// <summary>A call read back from its wire form.</summary>
internal sealed record DecodedCall(GrainId Grain, GrainMethod Method, object?[] Arguments, ActivityContext Parent);

/// <summary>A grain call's argument or result that cannot cross processes (not JSON-serializable).</summary>
public sealed class GrainCallSerializationException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public GrainCallSerializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GrainCallSerializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public GrainCallSerializationException()
        : this("A grain call could not be serialized.")
    {
    }
}

/// <summary>A call names a grain type or method this silo does not host.</summary>
internal sealed class UnknownGrainException(string message) : Exception(message);
