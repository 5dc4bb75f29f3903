using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Controller.Host.Export;
using Controller.Optimization.Dbinum;
using Controller.Radio.Scenarios;

namespace Controller.Host.Cli;

/// <summary><c>controller scenario list | export</c>.</summary>
internal static class ScenarioCommand
{
    public static Command Create(CliStreams io) => new("scenario", "List scenarios or export their instances.")
    {
        CreateList(io),
        CreateExport(io),
    };

    private static Command CreateList(CliStreams io)
    {
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("list", "Print every scenario with its settings, units and defaults.") { json };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(json))
            {
                WriteJson(io.Output);
            }
            else
            {
                WriteText(io.Output);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateExport(CliStreams io)
    {
        var common = new CommonOptions();
        var output = new Option<FileInfo>("--out") { Description = "file to write (JSON, see the README's export format)", Required = true };
        var command = new Command("export", "Write scenario instances (gains per slot, positions, association) to a JSON file.")
        {
            common.Scenario, common.Set, common.Seed, common.Configs, common.Slots, output,
        };
        command.SetAction(parsed =>
        {
            var (scenario, settings) = common.ResolveScenario(parsed);
            var configs = parsed.GetValue(common.Configs);
            var slots = parsed.GetValue(common.Slots) ?? scenario.DefaultSlots;
            var file = parsed.GetRequiredValue(output);
            var probe = scenario.CreateConfiguration(settings, parsed.GetValue(common.Seed), 0);
            var values = (long)configs * slots * probe.Receivers * probe.Transmitters;
            if (values > MaxExportedGains)
            {
                throw new CliUsageException($"The export would hold {values} gains (limit {MaxExportedGains}); lower --configs or --slots.");
            }

            // Write next to the target and rename, so an interrupted export never leaves a truncated file behind; the
            // unique name keeps two exports of the same file (two trainings started together) out of each other's way.
            var temporary = $"{file.FullName}.{Guid.NewGuid():N}.partial";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                ScenarioExporter.Write(stream, scenario, settings, parsed.GetValue(common.Seed), configs, slots, new StderrProgress(io.Error, "export", configs, "configurations"));
            }

            File.Move(temporary, file.FullName, overwrite: true);
            io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"export: wrote {configs} configurations x {slots} slots to {file.FullName} ({new FileInfo(file.FullName).Length / 1024.0 / 1024.0:F1} MiB)"));
            return 0;
        });
        return command;
    }

    /// <summary>Largest number of gains one export writes (about 2 GB of JSON).</summary>
    private const long MaxExportedGains = 100_000_000;

    private static void WriteText(TextWriter output)
    {
        foreach (var scenario in ScenarioCatalog.Scenarios)
        {
            WriteText(output, scenario, string.Create(CultureInfo.InvariantCulture, $"{scenario.DefaultSlots} slots per configuration by default"));
        }

        // Paper 000's networks: links and flows, no radio; `reproduce dbinum-*` runs DBiNUM on them.
        foreach (var scenario in DbinumScenarioCatalog.Scenarios)
        {
            WriteText(output, scenario, "a DBiNUM network of links and flows, no radio");
        }
    }

    private static void WriteText(TextWriter output, ScenarioDefinition scenario, string note)
    {
        output.WriteLine($"{scenario.Name}  ({scenario.Source}; {note})");
        output.WriteLine($"  {scenario.Summary}");
        var width = scenario.Settings.Max(s => s.Name.Length);
        foreach (var setting in scenario.Settings)
        {
            var value = setting.DefaultValue.Length == 0 ? "(none)" : setting.DefaultValue;
            var unit = setting.Unit.Length == 0 ? string.Empty : " " + setting.Unit;
            output.WriteLine($"    {setting.Name.PadRight(width)}  {value + unit,-16} {setting.Description}; {setting.RangeText}");
        }

        output.WriteLine();
    }

    // Radio scenarios under "scenarios" (each with its slot count), DBiNUM networks under "dbinumScenarios".
    private static void WriteJson(TextWriter output) => Json.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("scenarios");
        foreach (var scenario in ScenarioCatalog.Scenarios)
        {
            WriteJson(writer, scenario, scenario.DefaultSlots);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("dbinumScenarios");
        foreach (var scenario in DbinumScenarioCatalog.Scenarios)
        {
            WriteJson(writer, scenario, defaultSlots: null);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteJson(Utf8JsonWriter writer, ScenarioDefinition scenario, int? defaultSlots)
    {
        writer.WriteStartObject();
        writer.WriteString("name", scenario.Name);
        writer.WriteString("source", scenario.Source);
        writer.WriteString("summary", scenario.Summary);
        if (defaultSlots is { } slots)
        {
            writer.WriteNumber("defaultSlots", slots);
        }

        writer.WriteStartArray("settings");
        foreach (var setting in scenario.Settings)
        {
            writer.WriteStartObject();
            writer.WriteString("name", setting.Name);
            writer.WriteString("kind", setting.Kind.ToString().ToLowerInvariant());
            writer.WriteString("default", setting.DefaultValue);
            writer.WriteString("unit", setting.Unit);
            writer.WriteNumber("minimum", setting.Minimum);
            writer.WriteNumber("maximum", setting.Maximum);
            writer.WriteString("description", setting.Description);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
