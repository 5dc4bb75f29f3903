using System.Globalization;
using Controller.Optimization.Aggregation;
using Controller.Policies;
using Controller.Radio.Scenarios;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>
/// One data set of the <c>agg-gnn</c> scenario for training paper 004's Agg-GNN, drawn in process from
/// <see cref="ScenarioCatalog"/>: C configurations (indices 0..C-1 of one seed) x S slots of m one-to-one links, with
/// everything that does not depend on the policy. The slots are what <c>controller scenario export</c> writes for the same
/// scenario, settings, seed and counts (<see cref="NetworkConfiguration.Advance"/> once per slot, gains, activity and wake
/// flags), so a set equals the Python trainer's <c>prepare_agg</c> of that export:
/// <list type="bullet">
/// <item>node state <c>x_i(t) = log2(1 + p0 G_ii / N0)</c> (p0 the scenario's), computed as <see cref="AggGnnDecider.States"/> does;</item>
/// <item>deciding = active and awake (<see cref="AggGnnDecider.Deciding"/>): the nodes that observe, send and draw;</item>
/// <item>aggregation sequences by the controller's own <see cref="AggregationNode"/>s exchanging messages as
/// <see cref="AggGnnPolicy.ReceiveFromNeighbours"/> does (edges <c>|h_ij| = sqrt(G_ij) &gt;= eta0</c>, self included,
/// silent non-deciding sources), from an all-zero history, in double, then stored as float32;</item>
/// <item>p0 = the scenario's <c>p0</c>, budget = the configuration's <see cref="RadioConstants.PowerBudget"/>
/// (<c>pmaxTotal</c>, else m p0 / 2), SNR gains = gains / noise (float32).</item>
/// </list>
/// </summary>
public sealed class AggData : IDisposable
{
    /// <summary>The scenario the sets come from.</summary>
    public const string ScenarioName = "agg-gnn";

    private AggData(ScenarioSettings settings, ulong seed, int configurations, int slots, int pairs, RadioConstants constants, int warmup, Tensor snrGains, Tensor sequences, Tensor active, Tensor deciding)
    {
        Settings = settings;
        Seed = seed;
        Configurations = configurations;
        Slots = slots;
        Pairs = pairs;
        Hops = settings.GetInt("hops");
        EdgeThreshold = settings.GetDouble("edgeThreshold");
        P0 = settings.GetDouble("p0");
        Noise = constants.Noise;
        Budget = constants.PowerBudget;
        Warmup = warmup;
        SnrGains = snrGains;
        Sequences = sequences;
        Active = active;
        Deciding = deciding;
    }

    /// <summary>The resolved scenario settings.</summary>
    public ScenarioSettings Settings { get; }

    /// <summary>The run seed of the configurations.</summary>
    public ulong Seed { get; }

    /// <summary>C, the number of configurations.</summary>
    public int Configurations { get; }

    /// <summary>S, slots per configuration.</summary>
    public int Slots { get; }

    /// <summary>m, the number of links.</summary>
    public int Pairs { get; }

    /// <summary>K, the aggregation sequence's length (the scenario's <c>hops</c>).</summary>
    public int Hops { get; }

    /// <summary>eta0, the smallest amplitude kept as a neighbour edge (the scenario's <c>edgeThreshold</c>).</summary>
    public double EdgeThreshold { get; }

    /// <summary>Transmit power when on (the scenario's <c>p0</c>).</summary>
    public double P0 { get; }

    /// <summary>Noise power (1 in this scenario).</summary>
    public double Noise { get; }

    /// <summary>The average total power budget.</summary>
    public double Budget { get; }

    /// <summary>The scenario's warm-up slots (0 for agg-gnn; reported, as the export does).</summary>
    public int Warmup { get; }

    /// <summary>[C, S, m, m] float32: gains / noise, <c>[c, s, r, t]</c> from transmitter t to receiver r.</summary>
    public Tensor SnrGains { get; }

    /// <summary>[C, S, m, K] float32: raw (unscaled) aggregation sequences.</summary>
    public Tensor Sequences { get; }

    /// <summary>[C, S, m] bool: the link has traffic (an inactive link is off).</summary>
    public Tensor Active { get; }

    /// <summary>[C, S, m] bool: active and awake (sends messages and draws; an asleep link keeps its last action).</summary>
    public Tensor Deciding { get; }

    /// <summary>The probability that a pair is awake in a slot (the scenario's <c>awake</c> setting).</summary>
    public double AwakeProbability => Settings.GetDouble("awake");

    /// <summary>Resolves <paramref name="settings"/> against the <c>agg-gnn</c> scenario and draws the set.</summary>
    public static AggData Create(IEnumerable<KeyValuePair<string, string>> settings, ulong seed, int configurations, int slots, int threads = 1)
    {
        var scenario = ScenarioCatalog.Get(ScenarioName);
        return Create(scenario.Resolve(settings), seed, configurations, slots, threads);
    }

    /// <summary>Draws configurations 0..<paramref name="configurations"/>-1 of <paramref name="seed"/>, <paramref name="slots"/> slots each, over <paramref name="threads"/> threads (the result does not depend on them).</summary>
    public static AggData Create(ScenarioSettings settings, ulong seed, int configurations, int slots, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(configurations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var scenario = ScenarioCatalog.Get(ScenarioName);
        var first = scenario.CreateConfiguration(settings, seed, 0);
        var m = first.Transmitters;
        var hops = settings.GetInt("hops");
        var eta0 = settings.GetDouble("edgeThreshold");
        var p0 = settings.GetDouble("p0");
        var gains = new float[(long)configurations * slots * m * m];
        var sequences = new float[(long)configurations * slots * m * hops];
        var active = new bool[(long)configurations * slots * m];
        var deciding = new bool[(long)configurations * slots * m];
        Parallel.For(0, configurations, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            var configuration = c == 0 ? first : scenario.CreateConfiguration(settings, seed, c);
            var trace = Trace(configuration, slots, hops, eta0, p0);
            for (var s = 0; s < slots; s++)
            {
                var slot = ((long)c * slots) + s;
                for (var i = 0; i < m * m; i++)
                {
                    gains[(slot * m * m) + i] = (float)(trace.Gains[(s * m * m) + i] / configuration.Constants.Noise);
                }

                for (var i = 0; i < m * hops; i++)
                {
                    sequences[(slot * m * hops) + i] = (float)trace.Sequences[(s * m * hops) + i];
                }

                Array.Copy(trace.Active, s * m, active, slot * m, m);
                Array.Copy(trace.Deciding, s * m, deciding, slot * m, m);
            }
        });

        return new AggData(
            settings,
            seed,
            configurations,
            slots,
            m,
            first.Constants,
            first.WarmupSlots,
            tensor(gains, [configurations, slots, m, m]),
            tensor(sequences, [configurations, slots, m, hops]),
            tensor(active, [configurations, slots, m]),
            tensor(deciding, [configurations, slots, m]));
    }

    /// <summary>
    /// Runs one configuration for <paramref name="slots"/> slots (from its current state: call it on a fresh one) and returns,
    /// per slot, the raw gains [S, m, m], the aggregation sequences [S, m, K] in double, and the activity and deciding flags
    /// [S, m]: the aggregation of <see cref="AggGnnPolicy"/> run by the controller's <see cref="AggregationNode"/>s.
    /// </summary>
    public static AggTrace Trace(NetworkConfiguration configuration, int slots, int hops, double edgeThreshold, double p0)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AggGnnDecider.RequireOneToOne(configuration);
        var m = configuration.Transmitters;
        var nodes = new AggregationNode[m];
        for (var i = 0; i < m; i++)
        {
            nodes[i] = new AggregationNode(hops);
        }

        var gains = new double[slots * m * m];
        var sequences = new double[slots * m * hops];
        var active = new bool[slots * m];
        var deciding = new bool[slots * m];
        var slotDeciding = new bool[m];
        for (var s = 0; s < slots; s++)
        {
            configuration.Advance();
            var g = configuration.Gains;
            AggGnnDecider.Deciding(configuration, slotDeciding);
            for (var i = 0; i < m; i++)
            {
                // x_i(t) as AggGnnDecider.States computes it (there with the artifact's p0).
                nodes[i].BeginSlot(slotDeciding[i], Math.Log2(1 + (p0 * g[i, i] / configuration.Constants.Noise)));
            }

            for (var i = 0; i < m; i++)
            {
                AggGnnPolicy.ReceiveFromNeighbours(nodes[i], g.Row(i), slotDeciding, nodes, edgeThreshold);
                nodes[i].Sequence.CopyTo(sequences.AsSpan(((s * m) + i) * hops, hops));
                g.Row(i).CopyTo(gains.AsSpan(((s * m) + i) * m, m));
            }

            configuration.Active.AsSpan(0, m).CopyTo(active.AsSpan(s * m, m));
            slotDeciding.CopyTo(deciding.AsSpan(s * m, m));
        }

        return new AggTrace(gains, sequences, active, deciding);
    }

    /// <summary>The set's description for the manifest (<c>training.data</c>, <c>evaluation.data</c>), like the Python trainer's export description.</summary>
    public IReadOnlyDictionary<string, object> Describe() => new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["source"] = "in process (Controller.Radio ScenarioCatalog, as controller scenario export)",
        ["scenario"] = ScenarioName,
        ["seed"] = Seed,
        ["configurations"] = Configurations,
        ["slots"] = Slots,
        ["warmup"] = Warmup,
    };

    /// <summary>One line for logs.</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Configurations} configurations x {Slots} slots (seed {Seed}), m = {Pairs}, K = {Hops}, eta0 = {EdgeThreshold}");

    /// <inheritdoc />
    public void Dispose()
    {
        SnrGains.Dispose();
        Sequences.Dispose();
        Active.Dispose();
        Deciding.Dispose();
    }
}

/// <summary>One configuration's slots as <see cref="AggData.Trace"/> computes them (row-major, slot first).</summary>
/// <param name="Gains">[S, m, m] raw gains, <c>[s, r, t]</c>.</param>
/// <param name="Sequences">[S, m, K] aggregation sequences.</param>
/// <param name="Active">[S, m] links with traffic.</param>
/// <param name="Deciding">[S, m] links active and awake.</param>
#pragma warning disable CA1819 // A plain carrier of arrays for training and tests.
public sealed record AggTrace(double[] Gains, double[] Sequences, bool[] Active, bool[] Deciding);
#pragma warning restore CA1819
