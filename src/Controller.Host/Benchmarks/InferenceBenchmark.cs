using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Controller.Grains.Inference;
using Controller.Learning.Inference;
using Controller.Optimization.Aggregation;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of one inference benchmark run.</summary>
/// <param name="Users">Network sizes n (users); each runs with m = n / 10 APs.</param>
/// <param name="Instances">Configurations (independent networks) per size.</param>
/// <param name="Repetitions">Timed decisions per instance and policy.</param>
/// <param name="Seed">Scenario seed.</param>
/// <param name="Artifact">Name (under the artifacts folder) or directory of the resilient-gnn artifact to time.</param>
internal sealed record InferenceBenchmarkSettings(IReadOnlyList<int> Users, int Instances, int Repetitions, ulong Seed, string Artifact)
{
    /// <summary>The artifact committed with the controller, used when the user names none.</summary>
    public const string DefaultArtifact = "resilient-gnn-m4-n40";

    /// <summary>The inference silo's backends timed (<see cref="InferenceSilo.Backends"/>); empty: none.</summary>
    public IReadOnlyList<string> Backends { get; init; } = InferenceSilo.Backends;

    /// <summary>Questions per forward pass timed for each backend and size.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 64];

    /// <summary>Runs of every backend row (interleaved); a row reports the median of the runs' figures.</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Timed batches per backend row and run.</summary>
    public int Batches { get; init; } = 100;

    /// <summary>libtorch intra-op threads of the torchsharp backend (above 1 the measuring thread is not pinned).</summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>PyTorch's figures measured elsewhere, shown beside the backends' (null: none).</summary>
    public PyTorchFigures? PyTorch { get; init; }

    /// <summary>Why the settings cannot run, or null.</summary>
    public string? Problem() => Users.FirstOrDefault(n => n < 10 || n % 10 != 0) is var bad and not 0
        ? string.Create(CultureInfo.InvariantCulture, $"--users must be multiples of 10 (m = n / 10 APs), got {bad}.")
        : null;
}

/// <summary>Medians for one network size.</summary>
/// <param name="Users">n.</param>
/// <param name="Aps">m = n / 10.</param>
/// <param name="Edges">Edges of the user graph the GNN runs on (all users active).</param>
/// <param name="GnnMicros">One <c>gnn:</c> decision: PF features, graph, forward pass, selection and power.</param>
/// <param name="GnnModelMicros">The forward pass alone (model over a prepared batch).</param>
/// <param name="WmmseMicros">One <c>wmmse</c> decision: PF selection, link gains, 100 WMMSE iterations.</param>
internal sealed record InferenceBenchmarkRow(int Users, int Aps, long Edges, double GnnMicros, double GnnModelMicros, double WmmseMicros)
{
    /// <summary>WMMSE's time over the GNN's: above 1 the GNN decides faster.</summary>
    public double Ratio => WmmseMicros / GnnMicros;
}

/// <summary>
/// One inference backend at one size and batch size: an inference-silo batch is <see cref="IGnnNetwork.Run"/> over
/// <paramref name="Batch"/> questions (checks, user graphs, one forward pass, answer arrays), as the inference grain
/// runs it. Latencies are per batch; each is the median over the runs of that run's median or 99th percentile.
/// </summary>
/// <param name="Backend">"managed" or "torchsharp".</param>
/// <param name="Device">Where it ran ("cpu" or "cuda").</param>
/// <param name="Users">n.</param>
/// <param name="Aps">m = n / 10.</param>
/// <param name="Batch">Questions (graphs) per forward pass.</param>
/// <param name="MedianMicros">Median batch latency.</param>
/// <param name="P99Micros">99th percentile batch latency.</param>
/// <param name="RunMedianMicros">Each run's median batch latency, in run order.</param>
/// <param name="WmmseMicros">One <c>wmmse</c> decision on the same instances (<see cref="InferenceBenchmarkRow.WmmseMicros"/>).</param>
internal sealed record BackendBenchmarkRow(string Backend, string Device, int Users, int Aps, int Batch, double MedianMicros, double P99Micros, IReadOnlyList<double> RunMedianMicros, double WmmseMicros)
{
    /// <summary>Questions answered per second by one thread running batches back to back.</summary>
    public double DecisionsPerSecond => Batch * 1e6 / MedianMicros;

    /// <summary>WMMSE decisions per second on one thread.</summary>
    public double WmmseDecisionsPerSecond => 1e6 / WmmseMicros;

    /// <summary>The backend's decisions per second over WMMSE's.</summary>
    public double VersusWmmse => DecisionsPerSecond / WmmseDecisionsPerSecond;

    /// <summary>PyTorch's figures for the same size and batch, when given.</summary>
    public PyTorchFigure? PyTorch { get; init; }
}

/// <summary>PyTorch's figures, measured elsewhere (<c>--pytorch-figures FILE</c>), shown beside the backends'.</summary>
/// <param name="Source">What was measured, where (free text from the file).</param>
/// <param name="Rows">One figure per size and batch size.</param>
internal sealed record PyTorchFigures(string Source, IReadOnlyList<PyTorchFigure> Rows)
{
    /// <summary>
    /// Reads <c>{"source": "...", "rows": [{"users": 40, "batch": 1, "medianMicros": 80.0, "p99Micros": 120.0,
    /// "decisionsPerSecond": 12500}, ...]}</c>: latencies per batch in microseconds; <c>decisionsPerSecond</c> may be
    /// left out (then batch / median) and so may <c>p99Micros</c>. Throws <see cref="Controller.Radio.RadioInputException"/> naming what is wrong.
    /// </summary>
    public static PyTorchFigures Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new Controller.Radio.RadioInputException($"--pytorch-figures: cannot read {path}: {exception.Message}");
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            var root = document.RootElement;
            var source = root.TryGetProperty("source", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String ? s.GetString()! : "PyTorch";
            if (!root.TryGetProperty("rows", out var rows) || rows.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                throw new Controller.Radio.RadioInputException($"--pytorch-figures: {path} needs a \"rows\" array.");
            }

            var figures = new List<PyTorchFigure>();
            foreach (var row in rows.EnumerateArray())
            {
                var users = row.GetProperty("users").GetInt32();
                var batch = row.GetProperty("batch").GetInt32();
                var median = row.GetProperty("medianMicros").GetDouble();
                double? p99 = row.TryGetProperty("p99Micros", out var p) ? p.GetDouble() : null;
                var perSecond = row.TryGetProperty("decisionsPerSecond", out var d) ? d.GetDouble() : batch * 1e6 / median;
                if (users < 1 || batch < 1 || !(median > 0) || !double.IsFinite(median) || !(perSecond > 0) || !double.IsFinite(perSecond) || (p99 is { } q && !(q >= median && double.IsFinite(q))))
                {
                    throw new Controller.Radio.RadioInputException($"--pytorch-figures: {path} has a row with a bad value: {row.GetRawText()}");
                }

                figures.Add(new PyTorchFigure(users, batch, median, p99, perSecond));
            }

            return new PyTorchFigures(source, figures);
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new Controller.Radio.RadioInputException($"--pytorch-figures: {path} is not a JSON object of PyTorch figures ({exception.Message}); expected {{\"source\": \"...\", \"rows\": [{{\"users\": 40, \"batch\": 1, \"medianMicros\": 80.0, \"p99Micros\": 120.0}}]}}.");
        }
    }

    /// <summary>The figure for <paramref name="users"/> and <paramref name="batch"/>, or null.</summary>
    public PyTorchFigure? Find(int users, int batch) => Rows.LastOrDefault(r => r.Users == users && r.Batch == batch);
}

/// <summary>PyTorch's figures for one size and batch size.</summary>
/// <param name="Users">n.</param>
/// <param name="Batch">Graphs per forward pass.</param>
/// <param name="MedianMicros">Median batch latency.</param>
/// <param name="P99Micros">99th percentile batch latency, when given.</param>
/// <param name="DecisionsPerSecond">Questions answered per second.</param>
internal sealed record PyTorchFigure(int Users, int Batch, double MedianMicros, double? P99Micros, double DecisionsPerSecond);

/// <summary>What the inference benchmark measured.</summary>
/// <param name="ArtifactName">The timed artifact's manifest name.</param>
/// <param name="ArtifactSource">Where its weights came from (the committed artifact, a named one, or random weights).</param>
/// <param name="Hyperparameters">The timed architecture's hyperparameters.</param>
/// <param name="PinnedCpu">The CPU the measuring thread was pinned to, or null where pinning is not supported.</param>
/// <param name="Rows">One row per size.</param>
internal sealed record InferenceBenchmarkResult(string ArtifactName, string ArtifactSource, ResilientGnnHyperparameters Hyperparameters, int? PinnedCpu, IReadOnlyList<InferenceBenchmarkRow> Rows)
{
    /// <summary>Paper 004's comparison on its own scenario (empty when the Agg-GNN artifact is not installed).</summary>
    public IReadOnlyList<AggGnnBenchmarkRow> AggGnnRows { get; init; } = [];

    /// <summary>The inference silo's backends, per size and batch size.</summary>
    public IReadOnlyList<BackendBenchmarkRow> BackendRows { get; init; } = [];
}

/// <summary>Medians for one size of the agg-gnn scenario: n one-to-one links, every link a WMMSE variable.</summary>
/// <param name="Pairs">n transmitter-receiver pairs.</param>
/// <param name="AggGnnMicros">One <c>agg-gnn:</c> decision of the whole network (every node's aggregation step, the CNN on every active node, the draws), on one thread.</param>
/// <param name="WmmseMicros">One <c>wmmse</c> decision: 100 WMMSE iterations over all n links.</param>
/// <param name="NodeMicros">
/// One node's part of the decentralized Agg-GNN decision, which every node runs at once on its own: its state, folding
/// in its active neighbours' K-1 received scalars, the CNN on its sequence and its draw (the messages' transit not included).
/// </param>
internal sealed record AggGnnBenchmarkRow(int Pairs, double AggGnnMicros, double WmmseMicros, double NodeMicros)
{
    /// <summary>WMMSE's time over the Agg-GNN's.</summary>
    public double Ratio => WmmseMicros / AggGnnMicros;
}

/// <summary>
/// <c>controller bench inference</c>: decision latency of the resilient GNN (<c>gnn:</c>) against WMMSE with 100
/// iterations (<c>wmmse</c>) on the same instances of paper 003's scenario, n users and m = n / 10 APs. Each
/// instance runs its warm-up slots (full power, round-robin, as the evaluator does) so that the rate averages
/// behind the PF features are realistic; then both policies decide the same slot, alternating, on one thread
/// pinned to one CPU (Linux; the rest of the process is left alone), without parallel loops. WMMSE runs on the
/// PF-selected links of the slot, as the <c>wmmse</c> policy does. Medians over instances x repetitions after a
/// timed warm-up that lets the JIT reach its optimized tier.
/// </summary>
internal static class InferenceBenchmark
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BackendWarmup = TimeSpan.FromSeconds(0.3);

    public static InferenceBenchmarkResult Run(InferenceBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        InferenceBenchmarkResult? result = null;
        Exception? failure = null;
        // A dedicated thread: pinning it leaves the thread pool (and everything else in the process) untouched.
        var thread = new Thread(() =>
        {
            try
            {
                result = RunPinned(settings, progress, cancellationToken);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        })
        {
            Name = "bench inference",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return result!;
    }

    private static InferenceBenchmarkResult RunPinned(InferenceBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        // libtorch's worker threads would inherit a pinned thread's single CPU: pin only when the forward pass stays on this thread.
        var pinned = settings.TorchThreads == 1 || !settings.Backends.Contains(InferenceSilo.TorchSharpBackend) ? CurrentThreadAffinity.PinToCurrentCpu() : null;
        var (artifact, name, source, temporary) = LoadArtifact(settings.Artifact);
        var weights = ResilientGnnWeights.From(artifact);
        try
        {
            progress.WriteLine($"bench inference: {name} ({source}); measuring thread {(pinned is { } cpu ? $"pinned to cpu {cpu}" : "not pinned (unsupported here)")}");
            var scenario = ScenarioCatalog.Get("resilient-rrm");
            var sizes = new List<Instance[]>();
            foreach (var users in settings.Users)
            {
                var aps = users / 10;
                var scenarioSettings = scenario.Resolve([new("aps", aps.ToString(CultureInfo.InvariantCulture)), new("users", users.ToString(CultureInfo.InvariantCulture))]);
                var instances = new Instance[settings.Instances];
                for (var i = 0; i < instances.Length; i++)
                {
                    instances[i] = Instance.Prepare(scenario, scenarioSettings, weights, settings.Seed, i);
                }

                sizes.Add(instances);
            }

            // Warm-up over every size until the JIT has promoted the hot paths to their optimized tier: tiering
            // waits for a quiet period without new tier-0 code, so a fixed number of calls is not enough.
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench inference: warm-up {Warmup.TotalSeconds:F1} s"));
            var warmup = Stopwatch.StartNew();
            for (var round = 0; round < 50 || warmup.Elapsed < Warmup; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var instances in sizes)
                {
                    var instance = instances[round % instances.Length];
                    instance.DecideGnn();
                    instance.RunModel();
                    instance.DecideWmmse();
                }
            }

            var rows = new List<InferenceBenchmarkRow>();
            foreach (var instances in sizes)
            {
                var configuration = instances[0].Configuration;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench inference: n = {configuration.Receivers}, m = {configuration.Transmitters}: {settings.Instances} instances x {settings.Repetitions} runs"));
                rows.Add(Measure(instances, settings.Repetitions, cancellationToken));
            }

            var backendRows = MeasureBackends(settings, artifact, sizes, rows, progress, cancellationToken);
            return new InferenceBenchmarkResult(name, source, weights.Hyperparameters, pinned, rows) { AggGnnRows = MeasureAggGnn(settings, progress, cancellationToken), BackendRows = backendRows };
        }
        finally
        {
            if (temporary is not null)
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static InferenceBenchmarkRow Measure(Instance[] instances, int repetitions, CancellationToken cancellationToken)
    {
        var samples = instances.Length * repetitions;
        var gnn = new double[samples];
        var model = new double[samples];
        var wmmse = new double[samples];
        var k = 0;
        for (var r = 0; r < repetitions; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var instance in instances)
            {
                // Alternate the order so that neither policy always runs with the other's data in cache.
                if (r % 2 == 0)
                {
                    gnn[k] = Time(instance.DecideGnn);
                    wmmse[k] = Time(instance.DecideWmmse);
                }
                else
                {
                    wmmse[k] = Time(instance.DecideWmmse);
                    gnn[k] = Time(instance.DecideGnn);
                }

                model[k] = Time(instance.RunModel);
                k++;
            }
        }

        var first = instances[0];
        return new InferenceBenchmarkRow(
            first.Configuration.Receivers, first.Configuration.Transmitters, first.Edges, RateStatistics.Percentile(gnn, 50), RateStatistics.Percentile(model, 50), RateStatistics.Percentile(wmmse, 50));
    }

    /// <summary>
    /// The inference silo's backends on the same instances: every (backend, size, batch size) row is timed in each of
    /// <see cref="InferenceBenchmarkSettings.Runs"/> runs, the rows interleaved within a run so that a slow spell of the
    /// machine does not fall on one row; each run warms the row up, then times its batches.
    /// </summary>
    private static List<BackendBenchmarkRow> MeasureBackends(
        InferenceBenchmarkSettings settings, PolicyArtifact artifact, List<Instance[]> sizes, List<InferenceBenchmarkRow> wmmse, TextWriter progress, CancellationToken cancellationToken)
    {
        var networks = new List<IGnnNetwork>();
        try
        {
            var cases = new List<(IGnnNetwork Network, string Backend, int Size, int Batch, GnnQuestion[] Questions)>();
            foreach (var backendName in settings.Backends)
            {
                IGnnBackend backend = backendName == InferenceSilo.TorchSharpBackend
                    ? new TorchSharpGnnBackend(new TorchSharpInferenceOptions { Threads = settings.TorchThreads })
                    : new ManagedGnnBackend();
                var network = backend.Load(artifact.Manifest.Name, artifact);
                networks.Add(network);
                progress.WriteLine($"bench inference: backend {backendName} on {network.Device}");
                for (var size = 0; size < sizes.Count; size++)
                {
                    foreach (var batch in settings.BatchSizes)
                    {
                        var questions = Enumerable.Range(0, batch).Select(k => sizes[size][k % sizes[size].Length].Question()).ToArray();
                        if (network.Run(questions).FirstOrDefault(o => o.Rejection is not null) is { } refused)
                        {
                            throw new InvalidOperationException($"bench inference: the {backendName} backend refused a question: {refused.Rejection!.Message}");
                        }

                        cases.Add((network, backendName, size, batch, questions));
                    }
                }
            }

            var medians = cases.Select(_ => new double[settings.Runs]).ToArray();
            var p99s = cases.Select(_ => new double[settings.Runs]).ToArray();
            var samples = new double[settings.Batches];
            for (var run = 0; run < settings.Runs; run++)
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench inference: backends, run {run + 1} of {settings.Runs}: {cases.Count} rows x {settings.Batches} batches"));
                for (var c = 0; c < cases.Count; c++)
                {
                    var (network, _, _, _, questions) = cases[c];
                    var warmup = Stopwatch.StartNew();
                    for (var round = 0; round < 5 || warmup.Elapsed < BackendWarmup; round++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        network.Run(questions);
                    }

                    for (var b = 0; b < samples.Length; b++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        samples[b] = Time(() => network.Run(questions));
                    }

                    medians[c][run] = RateStatistics.Percentile(samples, 50);
                    p99s[c][run] = RateStatistics.Percentile(samples, 99);
                }
            }

            var rows = new List<BackendBenchmarkRow>();
            for (var c = 0; c < cases.Count; c++)
            {
                var (network, backendName, size, batch, _) = cases[c];
                var reference = wmmse[size];
                rows.Add(new BackendBenchmarkRow(
                    backendName, network.Device, reference.Users, reference.Aps, batch, RateStatistics.Percentile(medians[c], 50), RateStatistics.Percentile(p99s[c], 50), medians[c], reference.WmmseMicros)
                {
                    PyTorch = settings.PyTorch?.Find(reference.Users, batch),
                });
            }

            return rows;
        }
        finally
        {
            foreach (var network in networks)
            {
                network.Dispose();
            }
        }
    }

    /// <summary>
    /// The committed Agg-GNN artifact against WMMSE on paper 004's scenario, n = each size in pairs: there WMMSE (the
    /// paper's baseline) optimizes every link, so this is the like-for-like comparison the GNN literature makes.
    /// </summary>
    private static List<AggGnnBenchmarkRow> MeasureAggGnn(InferenceBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var learned = new LearnedPolicies();
        var policy = LearnedPolicies.AggGnnPrefix + AggGnnArtifact;
        try
        {
            learned.Validate(policy);
        }
        catch (Controller.Radio.RadioInputException exception)
        {
            progress.WriteLine($"bench inference: no Agg-GNN rows ({exception.Message})");
            return [];
        }

        var scenario = ScenarioCatalog.Get("agg-gnn");
        var rows = new List<AggGnnBenchmarkRow>();
        foreach (var pairs in settings.Users)
        {
            var scenarioSettings = scenario.Resolve([new("pairs", pairs.ToString(CultureInfo.InvariantCulture))]);
            var (weights, edgeThreshold) = learned.ResolveAggGnn(policy);
            var instances = Enumerable.Range(0, settings.Instances).Select(i => AggInstance.Prepare(scenario, scenarioSettings, (AggGnnPolicy)learned.Create(policy, settings.Seed, i), weights, edgeThreshold, settings.Seed, i)).ToArray();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench inference: agg-gnn, n = {pairs} pairs: {settings.Instances} instances x {settings.Repetitions} runs"));
            var warmup = Stopwatch.StartNew();
            for (var round = 0; round < 20 || warmup.Elapsed < Warmup / 2; round++)
            {
                instances[round % instances.Length].DecideAggGnn();
                instances[round % instances.Length].DecideWmmse();
                instances[round % instances.Length].DecideOneNode();
            }

            var agg = new double[instances.Length * settings.Repetitions];
            var wmmse = new double[agg.Length];
            var node = new double[agg.Length];
            var k = 0;
            for (var r = 0; r < settings.Repetitions; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var instance in instances)
                {
                    agg[k] = Time(instance.DecideAggGnn);
                    wmmse[k] = Time(instance.DecideWmmse);
                    node[k] = Time(instance.DecideOneNode);
                    k++;
                }
            }

            rows.Add(new AggGnnBenchmarkRow(pairs, RateStatistics.Percentile(agg, 50), RateStatistics.Percentile(wmmse, 50), RateStatistics.Percentile(node, 50)));
        }

        return rows;
    }

    /// <summary>The Agg-GNN artifact the Agg-GNN rows time.</summary>
    public const string AggGnnArtifact = "agg-gnn-m25";

    private static double Time(Action action)
    {
        // Raw timestamps: a TimeSpan would round to its 100 ns tick, a tenth of one node's decision.
        var started = Stopwatch.GetTimestamp();
        action();
        return (Stopwatch.GetTimestamp() - started) * 1e6 / Stopwatch.Frequency;
    }

    /// <summary>The named artifact when it exists (the committed one by default), else random weights of the contract's default architecture.</summary>
    private static (PolicyArtifact Artifact, string Name, string Source, string? Temporary) LoadArtifact(string artifact)
    {
        var provider = new LearnedPolicies();
        var named = artifact.Contains('/', StringComparison.Ordinal) || artifact.StartsWith('.') ? Path.GetFullPath(artifact) : Path.Combine(provider.ArtifactsRoot, artifact);
        if (Directory.Exists(named))
        {
            // A directory on the operator's own command line (not a policy name from a request): loaded as it is.
            var loaded = PolicyArtifact.Load(named);
            if (loaded.Manifest.Hyperparameters is not ResilientGnnHyperparameters)
            {
                throw new Controller.Radio.RadioInputException($"Artifact '{artifact}' is {loaded.Manifest.Architecture}; bench inference times a resilient-gnn artifact.");
            }

            var source = artifact == InferenceBenchmarkSettings.DefaultArtifact ? $"committed artifact, {named}" : $"artifact {named}";
            return (loaded, loaded.Manifest.Name, source, null);
        }

        if (artifact != InferenceBenchmarkSettings.DefaultArtifact)
        {
            throw new Controller.Radio.RadioInputException($"Artifact '{artifact}' not found (looked for {named}).");
        }

        // Latency does not depend on the weights' values, only on the architecture: time random weights of the
        // contract's default shape (2 layers, 64 wide) when the trained artifact is not installed.
        var temporary = Path.Combine(Path.GetTempPath(), "controller-bench-" + Guid.NewGuid().ToString("N"));
        var manifest = new PolicyManifest("random-resilient-gnn", new ResilientGnnHyperparameters(2, 64, 0.01, 10), new PfRatioInputs());
        PolicyArtifact.WriteRandom(temporary, manifest, seed: 1);
        return (PolicyArtifact.Load(temporary), manifest.Name, $"random weights: {named} is not installed", temporary);
    }

    /// <summary>One network at one slot after its warm-up, with both policies and their decisions.</summary>
    private sealed class Instance
    {
        private readonly ResilientGnnPolicy _gnn;
        private readonly IAllocationPolicy _wmmse;
        private readonly ProportionalFairSelector _fairness;
        private readonly SlotDecision _gnnDecision;
        private readonly SlotDecision _wmmseDecision;
        private readonly ResilientGnnBatch _batch = new();

        private Instance(NetworkConfiguration configuration, ResilientGnnPolicy gnn, IAllocationPolicy wmmse, ProportionalFairSelector fairness)
        {
            Configuration = configuration;
            _gnn = gnn;
            _wmmse = wmmse;
            _fairness = fairness;
            _gnnDecision = new SlotDecision(configuration.Transmitters);
            _wmmseDecision = new SlotDecision(configuration.Transmitters);
        }

        public NetworkConfiguration Configuration { get; }

        public long Edges => _gnn.Graph.Edges;

        public static Instance Prepare(Scenario scenario, ScenarioSettings settings, ResilientGnnWeights weights, ulong seed, int index)
        {
            var configuration = scenario.CreateConfiguration(settings, seed, index);
            var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
            var warmup = new SlotDecision(configuration.Transmitters);
            var rates = new double[configuration.Receivers];
            // The evaluator's warm-up: full power, round-robin, so that every average fbar has seen a few slots.
            for (var slot = 0; slot < configuration.WarmupSlots; slot++)
            {
                configuration.Advance();
                fairness.SelectRoundRobin(configuration, warmup.ServedReceiver);
                for (var t = 0; t < warmup.Power.Length; t++)
                {
                    warmup.Power[t] = warmup.ServedReceiver[t] >= 0 ? configuration.Constants.MaxPower : 0;
                }

                Sinr.ComputeRates(configuration.Gains, warmup.ServedReceiver, warmup.Power, configuration.Constants.Noise, rates);
                fairness.Update(rates);
            }

            configuration.Advance();
            var instance = new Instance(configuration, new ResilientGnnPolicy(weights), PolicyCatalog.Create("wmmse", seed, index), fairness);
            instance.DecideGnn();
            instance._batch.Add(instance._gnn.Graph, instance._gnn.Features, configuration.Active, configuration.Constants.MaxPower);
            return instance;
        }

        public void DecideGnn() => _gnn.Decide(Configuration, _fairness, _gnnDecision);

        public void RunModel() => _gnn.Model.Run(_batch);

        public void DecideWmmse() => _wmmse.Decide(Configuration, _fairness, _wmmseDecision);

        /// <summary>The slot as a region asks the inference silo about it (what <c>SiloGnnPolicy</c> sends).</summary>
        public GnnQuestion Question() => new(
            Configuration.Receivers,
            Configuration.Transmitters,
            Configuration.Gains.Values.ToArray(),
            Configuration.ServingTransmitter.ToArray(),
            [.. Configuration.Active],
            _gnn.Features.ToArray(),
            Configuration.Constants.Noise,
            Configuration.Constants.MaxPower);
    }

    /// <summary>
    /// One agg-gnn network a few slots in (aggregation histories filled), with both policies, and a probe node that
    /// repeats node 0's part of the decentralized decision from its neighbours' messages of the last slot.
    /// </summary>
    private sealed class AggInstance(NetworkConfiguration configuration, AggGnnPolicy aggGnn, IAllocationPolicy wmmse, AggGnnWeights weights, double edgeThreshold, SeededRandom random)
    {
        private readonly ProportionalFairSelector _fairness = new(configuration.Receivers, configuration.Transmitters);
        private readonly SlotDecision _aggDecision = new(configuration.Transmitters);
        private readonly SlotDecision _wmmseDecision = new(configuration.Transmitters);
        private readonly AggregationNode _probe = new(weights.Hyperparameters.SequenceLength);
        private readonly AggGnnModel _nodeModel = new(weights);
        private readonly double[] _nodeProbability = new double[1];
        private AggregationNode[] _sources = [];

        public static AggInstance Prepare(Scenario scenario, ScenarioSettings settings, AggGnnPolicy aggGnn, AggGnnWeights weights, double edgeThreshold, ulong seed, int index)
        {
            var configuration = scenario.CreateConfiguration(settings, seed, index);
            var random = SeededRandom.ForStream(seed, RandomStreams.Policy, AggGnnPolicy.RandomStreamOffset + (ulong)index);
            var instance = new AggInstance(configuration, aggGnn, PolicyCatalog.Create("wmmse", seed, index), weights, edgeThreshold, random);
            // K slots fill every node's history, so the timed slots aggregate real K-hop information.
            for (var slot = 0; slot < 8; slot++)
            {
                configuration.Advance();
                instance.DecideAggGnn();
            }

            // The policy keeps these node objects while the network keeps its size, as it does here.
            instance._sources = [.. aggGnn.Nodes];
            return instance;
        }

        public void DecideAggGnn() => aggGnn.Decide(configuration, _fairness, _aggDecision);

        public void DecideWmmse() => wmmse.Decide(configuration, _fairness, _wmmseDecision);

        /// <summary>Node 0's slot as <see cref="AggGnnPolicy"/> runs it for every node: what each node computes for itself.</summary>
        public void DecideOneNode()
        {
            var row = configuration.Gains.Row(0);
            var p0 = weights.Hyperparameters.P0;
            _probe.BeginSlot(active: true, Math.Log2(1 + (p0 * row[0] / configuration.Constants.Noise)));
            AggGnnPolicy.ReceiveFromNeighbours(_probe, row, configuration.Active, _sources, edgeThreshold);
            _nodeModel.Run(_probe.Sequence, _nodeProbability);
            _probe.Decide(random.NextBernoulli(_nodeProbability[0]) ? Math.Min(p0, configuration.Constants.MaxPower) : 0);
        }
    }

    /// <summary>Pins the calling thread (only it) to the CPU it runs on; Linux only.</summary>
    private static class CurrentThreadAffinity
    {
        public static int? PinToCurrentCpu()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            try
            {
                var cpu = GetCpu();
                if (cpu < 0 || cpu >= 1024)
                {
                    return null;
                }

                var mask = new byte[128];
                mask[cpu / 8] = (byte)(1 << (cpu % 8));
                // pid 0: the calling thread, not the process.
                return SetAffinity(0, mask.Length, mask) == 0 ? cpu : null;
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }

        // DllImport rather than LibraryImport: the generated marshalling code would need unsafe blocks in this
        // project for two calls made once per run.
        [DllImport("libc", EntryPoint = "sched_getcpu")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int GetCpu();

        [DllImport("libc", EntryPoint = "sched_setaffinity")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int SetAffinity(int pid, nint size, byte[] mask);
    }
}
