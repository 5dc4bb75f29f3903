using System.Collections.ObjectModel;
using System.CommandLine;
using System.Globalization;
using Controller.Host.Reproductions;

namespace Controller.Host.Cli;

/// <summary><c>controller reproduce NAME</c>: a paper's result, obtained here, beside the paper's numbers.</summary>
internal static class ReproduceCommand
{
    public static Command Create(CliStreams io)
    {
        var name = new Argument<string>("name") { Description = "reproduction: " + string.Join(", ", ReproductionCatalog.Reproductions.Select(r => r.Name)) };
        var seed = new CommonOptions().Seed;
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var png = new Option<FileInfo?>("--png") { Description = "also draw the result as a PNG chart into this file (" + string.Join(", ", ReproductionCharts.Charted) + ")" };
        var command = new Command("reproduce", "Run a named reproduction of a paper result and compare with the paper.") { name, seed, json, png };
        command.SetAction(parsed =>
        {
            var reproduction = ReproductionCatalog.Get(parsed.GetRequiredValue(name));
            var chart = parsed.GetValue(png);
            if (chart is not null && !ReproductionCharts.Charted.Contains(reproduction.Name))
            {
                throw new CliUsageException($"no chart for reproduction '{reproduction.Name}'; --png works for {string.Join(", ", ReproductionCharts.Charted)}");
            }

            if (chart?.Directory is { Exists: false } folder)
            {
                throw new CliUsageException($"--png: the folder '{folder.FullName}' does not exist");
            }

            io.Error.WriteLine($"reproduce: {reproduction.Name}: {reproduction.Setup}");
            var rows = reproduction.Run(parsed.GetValue(seed), new StderrProgress(io.Error, "reproduce", reproduction.WorkUnits, "rows"), CancellationToken.None);
            if (parsed.GetValue(json))
            {
                WriteJson(io.Output, reproduction, parsed.GetValue(seed), rows);
            }
            else
            {
                WriteText(io.Output, reproduction, parsed.GetValue(seed), rows);
            }

            if (chart is not null)
            {
                ReproductionCharts.Draw(reproduction.Name, parsed.GetValue(seed), rows, chart.FullName);
                io.Error.WriteLine($"reproduce: wrote {chart.FullName}");
            }

            return 0;
        });
        return command;
    }

    private static void WriteJson(TextWriter output, Reproduction reproduction, ulong seed, IReadOnlyList<ReproductionRow> rows) => Json.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("name", reproduction.Name);
        writer.WriteString("paper", reproduction.Paper);
        writer.WriteString("setup", reproduction.Setup);
        writer.WriteNumber("seed", seed);
        writer.WriteStartArray("rows");
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            writer.WriteString("label", row.Label);
            writer.WriteNumber("obtained", row.Obtained);
            writer.WriteNumber("expected", row.Expected);
            writer.WriteNumber("tolerance", row.Tolerance);
            writer.WriteBoolean("withinTolerance", row.WithinTolerance);
            writer.WriteString("check", row.Check switch { RowCheck.Above => "above", RowCheck.AtMost => "at-most", _ => "within" });
            foreach (var (key, value) in row.Extra ?? ReadOnlyDictionary<string, double>.Empty)
            {
                writer.WriteNullableNumber(key, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteText(TextWriter output, Reproduction reproduction, ulong seed, IReadOnlyList<ReproductionRow> rows)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine($"{reproduction.Name}: {reproduction.Paper}");
        output.WriteLine($"setup: {reproduction.Setup}; seed {seed}");
        var width = Math.Max(5, rows.Max(r => r.Label.Length));
        output.WriteLine($"{"row".PadRight(width)}  {"obtained",9}  {"paper",9}  {"diff",8}  verdict");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(culture, $"{row.Label.PadRight(width)}  {row.Obtained,9:F3}  {row.Expected,9:F3}  {row.Obtained - row.Expected,8:+0.000;-0.000;0.000}  {row.Verdict}"));
        }
    }
}
