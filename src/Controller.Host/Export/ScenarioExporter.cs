using System.Text.Json;
using Controller.Radio.Channels;
using Controller.Radio.Scenarios;

namespace Controller.Host.Export;

/// <summary>
/// Writes scenario instances in the exchange format of specs/radio.md, streaming, so that training code
/// and outside tools use exactly the channels that <c>eval</c> sees (same scenario, settings, seed and
/// configuration index give the same slots):
/// <code>
/// {"format": "controller-instances/1", "scenario", "seed", "settings": {..}, "noise", "pmax",
///  "powerBudget", "powerUnit", "slots", "warmup",
///  "instances": [{"index", "transmitters": [[x,y]..] | null, "receivers": [[x,y]..] | null,
///                 "association": [tx per receiver] | null, "demands": [..],
///                 "slots": [{"gain": [[..]..], "active": [..]?, "awake": [..]?, "receivers": [[x,y]..]?}]}]}
/// </code>
/// <c>gain[r][t]</c> is the linear power gain from transmitter t to receiver r; noise and pmax are linear
/// in the same units. <c>association</c> is null for one-to-one links (receiver i served by
/// transmitter i). A slot carries <c>active</c> only when some receiver is inactive and <c>receivers</c>
/// only when the receivers moved at that slot. Positions are null for scenarios without geometry.
/// </summary>
internal static class ScenarioExporter
{
    public const string FormatName = "controller-instances/1";

    public static void Write(Stream destination, Scenario scenario, ScenarioSettings settings, ulong seed, int configurations, int slots, IProgress<int>? progress = null)
    {
        using var writer = new Utf8JsonWriter(destination);
        writer.WriteStartObject();
        writer.WriteString("format", FormatName);
        writer.WriteString("scenario", scenario.Name);
        writer.WriteNumber("seed", seed);
        writer.WriteStartObject("settings");
        foreach (var (key, value) in settings.AsText)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        var first = scenario.CreateConfiguration(settings, seed, 0);
        writer.WriteNumber("noise", first.Constants.Noise);
        writer.WriteNumber("pmax", first.Constants.MaxPower);
        writer.WriteNumber("powerBudget", first.Constants.PowerBudget);
        writer.WriteString("powerUnit", first.Constants.PowerUnit);
        writer.WriteNumber("slots", slots);
        writer.WriteNumber("warmup", first.WarmupSlots);
        writer.WriteStartArray("instances");
        for (var index = 0; index < configurations; index++)
        {
            var configuration = index == 0 ? first : scenario.CreateConfiguration(settings, seed, index);
            WriteInstance(writer, configuration, slots);
            writer.Flush();
            progress?.Report(index + 1);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteInstance(Utf8JsonWriter writer, NetworkConfiguration configuration, int slots)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index", configuration.Index);
        WritePoints(writer, "transmitters", configuration.TransmitterPositions);
        WritePoints(writer, "receivers", configuration.ReceiverPositions);
        if (configuration.OneToOne)
        {
            writer.WriteNull("association");
        }
        else
        {
            writer.WriteStartArray("association");
            foreach (var t in configuration.ServingTransmitter)
            {
                writer.WriteNumberValue(t);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("demands");
        foreach (var d in configuration.Demands)
        {
            writer.WriteNumberValue(d);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("slots");
        for (var slot = 0; slot < slots; slot++)
        {
            configuration.Advance();
            WriteSlot(writer, configuration, slot);
            if ((slot & 15) == 15)
            {
                writer.Flush();
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteSlot(Utf8JsonWriter writer, NetworkConfiguration configuration, int slot)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("gain");
        var gains = configuration.Gains;
        for (var r = 0; r < gains.Receivers; r++)
        {
            writer.WriteStartArray();
            foreach (var g in gains.Row(r))
            {
                writer.WriteNumberValue(g);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        WriteFlagsUnlessAllSet(writer, "active", configuration.Active);
        WriteFlagsUnlessAllSet(writer, "awake", configuration.Awake);

        // The instance's own "receivers" already hold slot 0's positions.
        if (slot > 0 && configuration.ReceiversMoved)
        {
            WritePoints(writer, "receivers", configuration.ReceiverPositions);
        }

        writer.WriteEndObject();
    }

    private static void WriteFlagsUnlessAllSet(Utf8JsonWriter writer, string name, bool[] flags)
    {
        if (Array.IndexOf(flags, false) < 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var flag in flags)
        {
            writer.WriteBooleanValue(flag);
        }

        writer.WriteEndArray();
    }

    private static void WritePoints(Utf8JsonWriter writer, string name, Point2[]? points)
    {
        if (points is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartArray(name);
        foreach (var p in points)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(p.X);
            writer.WriteNumberValue(p.Y);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}
