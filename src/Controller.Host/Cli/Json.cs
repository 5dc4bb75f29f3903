using System.Text;
using System.Text.Json;

namespace Controller.Host.Cli;

/// <summary>Writes one JSON document to a text writer through <see cref="Utf8JsonWriter"/>.</summary>
internal static class Json
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            body(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Writes a number, or null when absent or not finite (JSON has no NaN).</summary>
    public static void WriteNullableNumber(this Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void WriteSettings(this Utf8JsonWriter writer, IReadOnlyDictionary<string, string> settings)
    {
        writer.WriteStartObject("settings");
        foreach (var (key, value) in settings)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }
}
