using Controller.Policies.ArtifactFormat;
using Controller.Radio.Channels;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

/// <summary>A directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "controller-policies-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A worker process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }
}

/// <summary>Small manifests and random-weight artifacts written with the library's own writer.</summary>
public static class TestArtifacts
{
    public static PolicyManifest ResilientManifest(int layers = 2, int hidden = 16, double slope = 0.01, double temperature = 10, string name = "test-gnn")
        => new(name, new ResilientGnnHyperparameters(layers, hidden, slope, temperature), new PfRatioInputs())
        {
            Training = new PolicyTraining("resilient-rrm", new Dictionary<string, string> { ["aps"] = "4", ["users"] = "40" }, new Dictionary<string, System.Text.Json.JsonElement>()),
        };

    public static PolicyManifest AggManifest(int length = 5, int layers = 3, int filter = 4, double p0 = 1000, double? edgeThreshold = null, string name = "test-agg")
    {
        var scale = Enumerable.Range(0, length).Select(k => 1.0 + k).ToArray();
        var settings = new Dictionary<string, string> { ["pairs"] = "12", ["hops"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (edgeThreshold is { } eta0)
        {
            settings["edgeThreshold"] = eta0.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new PolicyManifest(name, new AggGnnHyperparameters(length, layers, filter, p0), new AggregationInputs(scale))
        {
            Training = new PolicyTraining("agg-gnn", settings, new Dictionary<string, System.Text.Json.JsonElement>()),
        };
    }

    public static PolicyManifest SelManifest(int layers = 3, int filter = 4, double p0 = 1000, double stateScale = 2.5, string name = "test-sel")
        => new(name, new SelGnnHyperparameters(layers, filter, p0), new ChannelGraphInputs(stateScale))
        {
            Training = new PolicyTraining("agg-gnn", new Dictionary<string, string> { ["pairs"] = "12" }, new Dictionary<string, System.Text.Json.JsonElement>()),
        };

    /// <summary>Writes a random-weight artifact and loads it back.</summary>
    public static PolicyArtifact Random(string directory, PolicyManifest manifest, ulong seed = 7)
    {
        PolicyArtifact.WriteRandom(directory, manifest, seed);
        return PolicyArtifact.Load(directory);
    }
}

/// <summary>A configuration with gains and activity set by the test.</summary>
public sealed class FixedConfiguration : NetworkConfiguration
{
    public FixedConfiguration(int transmitters, int[] servingTransmitter, RadioConstants constants, bool oneToOne = false)
        : base(0, transmitters, servingTransmitter, oneToOne, constants, new double[servingTransmitter.Length])
    {
    }

    /// <summary>Users spread round-robin over <paramref name="cells"/> cells, log-uniform gains with a strong own cell.</summary>
    public static FixedConfiguration Cellular(int cells, int users, ulong seed, double activity = 1.0)
    {
        var random = new SeededRandom(seed);
        var serving = new int[users];
        for (var j = 0; j < users; j++)
        {
            serving[j] = random.NextInt(cells);
        }

        // Every cell keeps at least one user so that cell-level outputs exist.
        for (var c = 0; c < Math.Min(cells, users); c++)
        {
            serving[c] = c;
        }

        var configuration = new FixedConfiguration(cells, serving, new RadioConstants(1e-13, 10, 10 * cells, "mW"));
        configuration.Randomize(random, activity);
        return configuration;
    }

    /// <summary>One-to-one links.</summary>
    public static FixedConfiguration Links(int links, ulong seed, double activity = 1.0)
    {
        var random = new SeededRandom(seed);
        var configuration = new FixedConfiguration(links, [.. Enumerable.Range(0, links)], new RadioConstants(1, 1000, links * 500, string.Empty), oneToOne: true);
        configuration.Randomize(random, activity, links: true);
        return configuration;
    }

    public void Randomize(SeededRandom random, double activity, bool links = false)
    {
        var serving = ServingTransmitter;
        for (var r = 0; r < Receivers; r++)
        {
            for (var t = 0; t < Transmitters; t++)
            {
                // Cellular: 1e-12..1e-8 (SNR 10..50 dB at 10 mW over 1e-13); links: amplitude-squared 1e-4..1.
                var exponent = links ? random.NextDouble(-4, 0) : random.NextDouble(-12, -9);
                Gains[r, t] = Math.Pow(10, serving[r] == t ? exponent + (links ? 2 : 1) : exponent);
            }

            Active[r] = random.NextBernoulli(activity);
        }
    }

    protected override void AdvanceCore(int slot)
    {
    }
}
