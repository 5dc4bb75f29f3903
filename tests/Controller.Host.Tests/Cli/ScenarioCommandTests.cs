using System.Text.Json;

namespace Controller.Host.Tests.Cli;

public sealed class ScenarioCommandTests
{
    [Fact]
    public void List_Text_NamesEveryScenarioWithTheSpecSettings()
    {
        var run = CliRun.Of("scenario", "list");

        Assert.Equal(0, run.ExitCode);
        // The settings that specs/radio.md requires each scenario to accept.
        var required = new Dictionary<string, string[]>
        {
            ["gaussian-ic"] = ["links", "snrDb", "activity", "demands"],
            ["alcor-cellular"] = ["links", "demands"],
            ["resilient-rrm"] = ["aps", "users", "fmin"],
            ["agg-gnn"] = ["pairs", "delta", "hops"],
        };
        using var document = JsonDocument.Parse(CliRun.Of("scenario", "list", "--json").Output);
        foreach (var (scenario, settings) in required)
        {
            Assert.Contains(scenario, run.Output, StringComparison.Ordinal);
            var entry = document.RootElement.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == scenario);
            var names = entry.GetProperty("settings").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet();
            Assert.Superset(settings.ToHashSet(), names!);
        }

        Assert.Contains("dB", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_SameSeedTwice_IdenticalFiles()
    {
        using var directory = new TemporaryDirectory();
        var a = Path.Combine(directory.Path, "a.json");
        var b = Path.Combine(directory.Path, "b.json");

        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "resilient-rrm", "--set", "users=10", "--seed", "5", "--configs", "2", "--slots", "12", "--out", a).ExitCode);
        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "resilient-rrm", "--set", "users=10", "--seed", "5", "--configs", "2", "--slots", "12", "--out", b).ExitCode);
        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "resilient-rrm", "--set", "users=10", "--seed", "6", "--configs", "2", "--slots", "12", "--out", Path.Combine(directory.Path, "c.json")).ExitCode);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(Path.Combine(directory.Path, "c.json")));
        Assert.Empty(Directory.GetFiles(directory.Path, "*.partial"));
    }

    [Fact]
    public async Task Export_TwoAtOnceToOneFile_BothWriteIt()
    {
        // Two trainings started together export the same cached file; neither may fail on the other's temporary file.
        using var directory = new TemporaryDirectory();
        var file = Path.Combine(directory.Path, "shared.json");
        var alone = Path.Combine(directory.Path, "alone.json");
        string[] Export(string path) => ["scenario", "export", "--scenario", "resilient-rrm", "--seed", "5", "--configs", "32", "--slots", "100", "--out", path];

        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => CliRun.Of(Export(file)))));
        Assert.Equal(0, CliRun.Of(Export(alone)).ExitCode);

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.Error));
        Assert.Equal(File.ReadAllBytes(alone), File.ReadAllBytes(file));
        Assert.Empty(Directory.GetFiles(directory.Path, "*.partial"));
    }

    [Fact]
    public void Export_ResilientRrm_HasTheSpecFields()
    {
        using var directory = new TemporaryDirectory();
        var file = Path.Combine(directory.Path, "r.json");

        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "resilient-rrm", "--set", "aps=3", "--set", "users=9", "--configs", "2", "--slots", "30", "--out", file).ExitCode);

        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        var root = document.RootElement;
        Assert.Equal("resilient-rrm", root.GetProperty("scenario").GetString());
        Assert.True(root.GetProperty("noise").GetDouble() > 0);
        Assert.Equal(10.0, root.GetProperty("pmax").GetDouble(), 9);
        var instance = root.GetProperty("instances")[0];
        Assert.Equal(3, instance.GetProperty("transmitters").GetArrayLength());
        Assert.Equal(9, instance.GetProperty("receivers").GetArrayLength());
        var association = instance.GetProperty("association").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(9, association.Length);
        Assert.All(association, a => Assert.InRange(a, 0, 2));
        var slots = instance.GetProperty("slots");
        Assert.Equal(30, slots.GetArrayLength());
        Assert.Equal(9, slots[0].GetProperty("gain").GetArrayLength());
        Assert.Equal(3, slots[0].GetProperty("gain")[0].GetArrayLength());
        // Users walk: positions change at the mobility period (10 slots by default).
        Assert.True(slots[10].TryGetProperty("receivers", out _));
        Assert.False(slots[5].TryGetProperty("receivers", out _));
    }

    [Fact]
    public void Export_AggGnnAsynchronous_CarriesTheWakeFlagsTheEvaluatorSees()
    {
        using var directory = new TemporaryDirectory();
        var file = Path.Combine(directory.Path, "a.json");
        var synchronousFile = Path.Combine(directory.Path, "s.json");

        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "agg-gnn", "--set", "pairs=6", "--set", "awake=0.5", "--seed", "4", "--configs", "1", "--slots", "20", "--out", file).ExitCode);
        Assert.Equal(0, CliRun.Of("scenario", "export", "--scenario", "agg-gnn", "--set", "pairs=6", "--seed", "4", "--configs", "1", "--slots", "20", "--out", synchronousFile).ExitCode);

        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        var slots = document.RootElement.GetProperty("instances")[0].GetProperty("slots");
        var scenario = Controller.Radio.Scenarios.ScenarioCatalog.Get("agg-gnn");
        var configuration = scenario.CreateConfiguration(scenario.Resolve([new("pairs", "6"), new("awake", "0.5")]), 4, 0);
        var asleep = 0;
        foreach (var slot in slots.EnumerateArray())
        {
            configuration.Advance();
            if (slot.TryGetProperty("awake", out var flags))
            {
                Assert.Equal(configuration.Awake, flags.EnumerateArray().Select(f => f.GetBoolean()));
                asleep += configuration.Awake.Count(a => !a);
            }
            else
            {
                Assert.All(configuration.Awake, Assert.True);
            }

            Assert.False(slot.TryGetProperty("active", out _));
        }

        Assert.InRange(asleep, 30, 90);
        using var synchronous = JsonDocument.Parse(File.ReadAllBytes(synchronousFile));
        Assert.All(synchronous.RootElement.GetProperty("instances")[0].GetProperty("slots").EnumerateArray(), slot => Assert.False(slot.TryGetProperty("awake", out _)));
    }
}
