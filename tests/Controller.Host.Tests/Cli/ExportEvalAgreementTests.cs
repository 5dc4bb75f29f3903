using System.Globalization;
using System.Text.Json;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// Export and eval must see the same instances. The test recomputes full-reuse rates from the exported
/// JSON with its own arithmetic and compares with what eval reports for the same scenario, settings and seed.
/// </summary>
public sealed class ExportEvalAgreementTests
{
    [Theory]
    [InlineData("gaussian-ic", "links=7,activity=0.6")]
    [InlineData("alcor-cellular", "links=9")]
    [InlineData("agg-gnn", "pairs=6")]
    public void ExportedGains_FullReuseRecomputed_MatchesEval(string scenario, string settings)
    {
        using var directory = new TemporaryDirectory();
        var file = Path.Combine(directory.Path, "x.json");
        var sets = settings.Split(',').SelectMany(s => new[] { "--set", s }).ToArray();
        string[] common = ["--scenario", scenario, .. sets, "--seed", "3", "--configs", "3", "--slots", "60"];

        Assert.Equal(0, CliRun.Of(["scenario", "export", .. common, "--out", file]).ExitCode);
        var eval = CliRun.Of(["eval", .. common, "--policy", "full-reuse", "--json"]);
        Assert.Equal(0, eval.ExitCode);

        using var exported = JsonDocument.Parse(File.ReadAllBytes(file));
        var (sumRate, meanPower) = FullReuseFromExport(exported.RootElement);
        var metrics = JsonDocument.Parse(eval.Output).RootElement.GetProperty("metrics");
        Assert.Equal(sumRate, metrics.GetProperty("sumRate").GetDouble(), 9);
        Assert.Equal(meanPower, metrics.GetProperty("meanPower").GetDouble(), 6);
    }

    private static (double SumRate, double MeanPower) FullReuseFromExport(JsonElement root)
    {
        var noise = root.GetProperty("noise").GetDouble();
        var pmax = root.GetProperty("pmax").GetDouble();
        double sumRateTotal = 0, powerTotal = 0;
        var instances = root.GetProperty("instances");
        foreach (var instance in instances.EnumerateArray())
        {
            double rateSum = 0, powerSum = 0;
            var slots = instance.GetProperty("slots");
            foreach (var slot in slots.EnumerateArray())
            {
                var gain = slot.GetProperty("gain").EnumerateArray().Select(r => r.EnumerateArray().Select(g => g.GetDouble()).ToArray()).ToArray();
                var n = gain.Length;
                var active = slot.TryGetProperty("active", out var a) ? a.EnumerateArray().Select(x => x.GetBoolean()).ToArray() : Enumerable.Repeat(true, n).ToArray();
                for (var i = 0; i < n; i++)
                {
                    if (!active[i])
                    {
                        continue;
                    }

                    powerSum += pmax;
                    var interference = 0.0;
                    for (var j = 0; j < n; j++)
                    {
                        if (j != i && active[j])
                        {
                            interference += gain[i][j] * pmax;
                        }
                    }

                    rateSum += Math.Log(1 + (gain[i][i] * pmax / (noise + interference)), 2);
                }
            }

            sumRateTotal += rateSum / slots.GetArrayLength();
            powerTotal += powerSum / slots.GetArrayLength();
        }

        var count = instances.GetArrayLength();
        return (sumRateTotal / count, powerTotal / count);
    }
}

/// <summary>A directory under the system temp folder, deleted with its contents on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "controller-tests-" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
