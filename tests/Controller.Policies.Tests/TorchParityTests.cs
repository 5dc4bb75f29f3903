using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Policies.Tests.Models;
using Controller.Radio.Graphs;
using Xunit.Abstractions;

namespace Controller.Policies.Tests;

/// <summary>
/// The same random-weight artifacts and inputs through the managed models and through PyTorch
/// (<c>/usr/bin/python3 -m training.worker</c>, the contract's worker protocol): agreement within 1e-4
/// relative. Needs Debian's python3 with torch and src/training/worker.py; without them each test says why
/// in its output and returns, unless CONTROLLER_REQUIRE_TORCH=1, which turns a missing prerequisite into a failure.
/// </summary>
[Trait("Category", "Process")]
public sealed class TorchParityTests(ITestOutputHelper output) : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private const double Tolerance = 1e-4;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ResilientGnn_TorchWorker_AgreesWithin1e4Relative()
    {
        if (Prerequisites() is not { } repository)
        {
            return;
        }

        var directory = _temp.Combine("gnn");
        var artifact = TestArtifacts.Random(directory, TestArtifacts.ResilientManifest(layers: 2, hidden: 64), seed: 21);
        const int Cells = 4;
        var configurations = new[] { FixedConfiguration.Cellular(Cells, 40, 1, 0.8), FixedConfiguration.Cellular(Cells, 17, 2), FixedConfiguration.Cellular(Cells, 40, 3, 0.5) };
        var features = configurations.Select((c, i) => ResilientGnnModelTests.Features(c.Receivers, c.Active, (ulong)i)).ToArray();

        var batch = new ResilientGnnBatch();
        foreach (var (configuration, i) in configurations.Select((c, i) => (c, i)))
        {
            var graph = new UserGraph();
            graph.Build(configuration.Gains, configuration.ServingTransmitter, configuration.Constants.Noise, configuration.Constants.MaxPower);
            batch.Add(graph, features[i], configuration.Active, configuration.Constants.MaxPower);
        }

        var model = new ResilientGnnModel(ResilientGnnWeights.From(artifact));
        model.Run(batch);

        var request = Json(writer =>
        {
            writer.WriteNumber("id", 7);
            WriteArrays(writer, "features", features.Select(f => f.AsEnumerable()));
            writer.WriteStartArray("edges");
            foreach (var configuration in configurations)
            {
                var graph = InterferenceGraph.ForUsers(configuration.Gains, configuration.ServingTransmitter, configuration.Constants.Noise, configuration.Constants.MaxPower);
                var destinations = Enumerable.Range(0, graph.Nodes).SelectMany(v => Enumerable.Repeat(v, graph.Offsets[v + 1] - graph.Offsets[v]));
                writer.WriteStartObject();
                WriteIntegers(writer, "src", graph.Sources);
                WriteIntegers(writer, "dst", destinations);
                WriteArray(writer, "weight", graph.Weights);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("cellOf");
            foreach (var configuration in configurations)
            {
                WriteIntegers(writer, null, configuration.ServingTransmitter.ToArray());
            }

            writer.WriteEndArray();
            writer.WriteStartArray("active");
            foreach (var configuration in configurations)
            {
                writer.WriteStartArray();
                foreach (var flag in configuration.Active)
                {
                    writer.WriteBooleanValue(flag);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteNumber("cells", Cells);
            writer.WriteNumber("pmax", configurations[0].Constants.MaxPower);
        });

        using var reply = await AskAsync(repository, directory, "resilient-gnn", request);
        var power = reply.RootElement.GetProperty("power");
        var selection = reply.RootElement.GetProperty("selection");
        for (var g = 0; g < configurations.Length; g++)
        {
            var torchPower = power[g].EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var torchSelection = selection[g].EnumerateArray().Select(e => e.GetDouble()).ToArray();
            AssertRelative($"graph {g} power", model.Power[batch.CellStart(g)..batch.CellStart(g + 1)], torchPower);
            AssertRelative($"graph {g} selection", model.Selection[batch.NodeStart(g)..batch.NodeStart(g + 1)], torchSelection);
        }
    }

    [Fact]
    public async Task AggGnn_TorchWorker_AgreesWithin1e4Relative()
    {
        if (Prerequisites() is not { } repository)
        {
            return;
        }

        var directory = _temp.Combine("agg");
        var artifact = TestArtifacts.Random(directory, TestArtifacts.AggManifest(length: 10, layers: 10, filter: 10), seed: 22);
        const int Nodes = 64;
        var sequences = AggGnnModelTests.Sequences(Nodes, 10, seed: 9);
        var probability = new double[Nodes];
        new AggGnnModel(AggGnnWeights.From(artifact)).Run(sequences, probability);

        var request = Json(writer =>
        {
            writer.WriteNumber("id", 8);
            WriteArrays(writer, "sequences", Enumerable.Range(0, Nodes).Select(i => sequences.Skip(i * 10).Take(10)));
        });

        using var reply = await AskAsync(repository, directory, "agg-gnn", request);
        var torch = reply.RootElement.GetProperty("probability").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        AssertRelative("probability", probability, torch);
    }

    /// <summary>The repository root when every prerequisite is there; null (after saying why) otherwise.</summary>
    private string? Prerequisites()
    {
        var repository = RepositoryRoot();
        string? missing = null;
        if (repository is null)
        {
            missing = $"no Controller.sln above {AppContext.BaseDirectory}";
        }
        else if (!File.Exists(Path.Combine(repository, "src", "training", "worker.py")))
        {
            missing = $"{Path.Combine(repository, "src", "training", "worker.py")} does not exist";
        }
        else if (!File.Exists(Python))
        {
            missing = $"{Python} does not exist";
        }
        else
        {
            using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true, UseShellExecute = false })!;
            var error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            if (probe.ExitCode != 0)
            {
                missing = $"{Python} cannot import torch ({error.Trim().Split('\n')[^1]})";
            }
        }

        if (missing is null)
        {
            return repository;
        }

        if (Environment.GetEnvironmentVariable("CONTROLLER_REQUIRE_TORCH") == "1")
        {
            Assert.Fail($"PyTorch parity cannot run and CONTROLLER_REQUIRE_TORCH=1: {missing}.");
        }

        output.WriteLine($"Not compared with PyTorch: {missing} (set CONTROLLER_REQUIRE_TORCH=1 to make this a failure).");
        return null;
    }

    private static async Task<JsonDocument> AskAsync(string repository, string artifactDirectory, string architecture, string request)
    {
        var start = new ProcessStartInfo(Python, ["-m", "training.worker", "--artifact", artifactDirectory])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repository,
        };
        start.Environment["PYTHONPATH"] = Path.Combine(repository, "src");
        using var worker = Process.Start(start)!;
        var errors = new StringBuilder();
        worker.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        worker.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(ReplyTimeout);
            var ready = await worker.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.True(ready is not null, $"the worker exited before it was ready; stderr: {Errors()}");
            using (var readyDocument = JsonDocument.Parse(ready))
            {
                Assert.True(readyDocument.RootElement.GetProperty("ready").GetBoolean(), ready);
                Assert.Equal(architecture, readyDocument.RootElement.GetProperty("architecture").GetString());
            }

            await worker.StandardInput.WriteLineAsync(request);
            await worker.StandardInput.FlushAsync();
            var line = await worker.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.True(line is not null, $"the worker exited without replying; stderr: {Errors()}");
            var reply = JsonDocument.Parse(line);
            if (reply.RootElement.TryGetProperty("error", out var error))
            {
                Assert.Fail($"the worker answered with an error: {error.GetString()}");
            }

            worker.StandardInput.Close();
            return reply;
        }
        finally
        {
            if (!worker.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                worker.Kill();
            }
        }

        string Errors()
        {
            lock (errors)
            {
                return errors.ToString();
            }
        }
    }

    private void AssertRelative(string what, ReadOnlySpan<double> managed, double[] torch)
    {
        Assert.Equal(torch.Length, managed.Length);
        var worst = 0.0;
        for (var i = 0; i < torch.Length; i++)
        {
            // Relative to the larger magnitude; values below 1e-6 (probabilities of hopeless users) compare absolutely.
            var error = Math.Abs(managed[i] - torch[i]) / Math.Max(1e-6, Math.Max(Math.Abs(managed[i]), Math.Abs(torch[i])));
            worst = Math.Max(worst, error);
            Assert.True(error <= Tolerance, $"{what}[{i}]: managed {managed[i]:R}, torch {torch[i]:R} (relative error {error:G3})");
        }

        output.WriteLine($"{what}: {torch.Length} values, largest relative error {worst:G3}");
    }

    private static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Controller.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteArrays(Utf8JsonWriter writer, string name, IEnumerable<IEnumerable<double>> rows)
    {
        writer.WriteStartArray(name);
        foreach (var row in rows)
        {
            writer.WriteStartArray();
            foreach (var value in row)
            {
                writer.WriteNumberValue(value);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static void WriteIntegers(Utf8JsonWriter writer, string? name, IEnumerable<int> values)
    {
        if (name is null)
        {
            writer.WriteStartArray();
        }
        else
        {
            writer.WriteStartArray(name);
        }

        foreach (var value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }
}
