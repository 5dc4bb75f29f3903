using System.Diagnostics;
using System.Text.Json;
using Controller.Radio.Channels;
using Controller.Radio.Graphs;

namespace Controller.Grains.Inference;

/// <summary>
/// The <c>torch</c> backend of the inference silo: a PyTorch worker process (<c>python3 -m training.worker</c>,
/// protocol in src/training/ARTIFACT_FORMAT.md) serving one artifact on CUDA when torch sees a GPU, else on the
/// CPU. Requests go one at a time over its stdin/stdout as JSON lines.
/// </summary>
internal sealed class TorchWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _id;

    private TorchWorker(Process process, string device)
    {
        _process = process;
        Device = device;
    }

    /// <summary>"cuda" or "cpu", as the worker reported.</summary>
    public string Device { get; }

    /// <summary>
    /// Starts a worker for <paramref name="artifactDirectory"/>. The interpreter is <c>CONTROLLER_PYTHON</c>
    /// (default /usr/bin/python3), the training package is found under <c>CONTROLLER_TRAINING_ROOT</c> or in a
    /// <c>src</c> folder above the executable; throws <see cref="InvalidOperationException"/> saying what is missing.
    /// </summary>
    public static async Task<TorchWorker> StartAsync(string artifactDirectory, CancellationToken cancellationToken)
    {
        var python = Environment.GetEnvironmentVariable("CONTROLLER_PYTHON") is { Length: > 0 } configured ? configured : "/usr/bin/python3";
        var root = TrainingRoot() ?? throw new InvalidOperationException(
            "The torch backend needs the training package (src/training/worker.py): set CONTROLLER_TRAINING_ROOT to the folder that holds 'training'.");
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add("training.worker");
        start.ArgumentList.Add("--artifact");
        start.ArgumentList.Add(artifactDirectory);
        start.Environment["PYTHONPATH"] = root;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"The torch backend could not start '{python}': {exception.Message}", exception);
        }

        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var first = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        using var ready = first is null ? null : JsonDocument.Parse(first);
        if (ready is null || !ready.RootElement.TryGetProperty("ready", out var flag) || !flag.GetBoolean())
        {
            var reason = ready?.RootElement.TryGetProperty("error", out var error) == true ? error.GetString() : "it exited before saying it was ready (is torch installed for " + python + "?)";
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new InvalidOperationException($"The torch worker for '{artifactDirectory}' did not start: {reason}");
        }

        return new TorchWorker(process, ready.RootElement.GetProperty("device").GetString() ?? "cpu");
    }

    /// <summary>Runs the resilient GNN on questions that share their cell count and maximum power.</summary>
    public async Task<GnnAnswer[]> ResilientAsync(IReadOnlyList<GnnQuestion> questions, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _id);
        var line = Request(id, questions);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        string? answer;
        try
        {
            await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            answer = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        if (answer is null)
        {
            throw new InvalidOperationException("The torch worker exited.");
        }

        using var document = JsonDocument.Parse(answer);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            throw new ArgumentException($"The torch worker refused the question: {error.GetString()}");
        }

        var powers = root.GetProperty("power");
        var selections = root.GetProperty("selection");
        var result = new GnnAnswer[questions.Count];
        for (var g = 0; g < result.Length; g++)
        {
            result[g] = new GnnAnswer(
                [.. powers[g].EnumerateArray().Select(v => v.GetDouble())],
                [.. selections[g].EnumerateArray().Select(v => v.GetDouble())]);
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _gate.Dispose();
    }

    /// <summary>One request line: the protocol's resilient-gnn form, edges from the same user graph as the managed model.</summary>
    private static string Request(long id, IReadOnlyList<GnnQuestion> questions)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", id);
            writer.WriteNumber("cells", questions[0].Cells);
            writer.WriteNumber("pmax", questions[0].MaxPower);
            Write(writer, "features", questions, (w, q) => { foreach (var f in q.Features) { w.WriteNumberValue(f); } });
            Write(writer, "cellOf", questions, (w, q) => { foreach (var c in q.ServingCell) { w.WriteNumberValue(c); } });
            Write(writer, "active", questions, (w, q) => { foreach (var a in q.Active) { w.WriteBooleanValue(a); } });
            writer.WriteStartArray("edges");
            foreach (var q in questions)
            {
                var gains = new GainMatrix(q.Users, q.Cells);
                q.Gains.CopyTo(gains.Values);
                var graph = InterferenceGraph.ForUsers(gains, q.ServingCell, q.Noise, q.MaxPower);
                writer.WriteStartObject();
                writer.WriteStartArray("src");
                foreach (var s in graph.Sources)
                {
                    writer.WriteNumberValue(s);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("dst");
                for (var v = 0; v < graph.Nodes; v++)
                {
                    for (var e = graph.Offsets[v]; e < graph.Offsets[v + 1]; e++)
                    {
                        writer.WriteNumberValue(v);
                    }
                }

                writer.WriteEndArray();
                writer.WriteStartArray("weight");
                foreach (var w in graph.Weights)
                {
                    writer.WriteNumberValue(w);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, string name, IReadOnlyList<GnnQuestion> questions, Action<Utf8JsonWriter, GnnQuestion> values)
    {
        writer.WriteStartArray(name);
        foreach (var q in questions)
        {
            writer.WriteStartArray();
            values(writer, q);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static string? TrainingRoot()
    {
        if (Environment.GetEnvironmentVariable("CONTROLLER_TRAINING_ROOT") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src");
            if (File.Exists(Path.Combine(candidate, "training", "worker.py")))
            {
                return candidate;
            }
        }

        return null;
    }
}
