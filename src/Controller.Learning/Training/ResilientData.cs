using System.Globalization;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>
/// The scored slots of <c>resilient-rrm</c> configurations with everything that does not depend on the policy, as dense
/// tensors (the former Python data.py ResilientSet): C configurations, T scored slots, n users, m cells (APs). The
/// configurations are drawn in process by the controller's own scenario code, the same channels
/// <c>controller scenario export</c> writes and <c>controller eval</c> sees for the same settings, seed and index.
/// </summary>
public sealed class ResilientSet : IDisposable
{
    internal ResilientSet(ResilientSetDescription description, Tensor snrGains, Tensor cells, Tensor active, Tensor fhat, Tensor fbar0, Tensor edgeWeights, Tensor fmin)
    {
        Description = description;
        SnrGains = snrGains;
        Cells = cells;
        Active = active;
        Fhat = fhat;
        Fbar0 = fbar0;
        EdgeWeights = edgeWeights;
        Fmin = fmin;
    }

    /// <summary>Scenario, settings, seed, sizes and radio constants.</summary>
    public ResilientSetDescription Description { get; }

    /// <summary>[C, T, n, m] float32: gains divided by the noise, <c>G[r][t] / N0</c>.</summary>
    public Tensor SnrGains { get; }

    /// <summary>[C, n, m] float32: one-hot association (user v in cell i).</summary>
    public Tensor Cells { get; }

    /// <summary>[C, T, n] bool: users with traffic.</summary>
    public Tensor Active { get; }

    /// <summary>[C, T, n] float32: PF's full-power rate estimate <c>fhat</c>.</summary>
    public Tensor Fhat { get; }

    /// <summary>[C, n] float32: PF averages <c>fbar</c> after the warm-up.</summary>
    public Tensor Fbar0 { get; }

    /// <summary>[C, T, n, n] float32: the dense user graph, <c>W[v, u] = w_uv</c> (0 where there is no edge).</summary>
    public Tensor EdgeWeights { get; }

    /// <summary>[C, n] float64: each user's minimum rate f_min (bps/Hz).</summary>
    public Tensor Fmin { get; }

    /// <summary>Number of configurations C.</summary>
    public int Configurations => Description.Configurations;

    /// <summary>The configurations at <paramref name="index"/> (int64 indices), copied.</summary>
    public ResilientBatch Batch(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return new ResilientBatch(
            SnrGains.index_select(0, index),
            Cells.index_select(0, index),
            Active.index_select(0, index),
            Fhat.index_select(0, index),
            Fbar0.index_select(0, index),
            EdgeWeights.index_select(0, index));
    }

    /// <summary>The configurations <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1, as views.</summary>
    public ResilientBatch Slice(int start, int count) => new(
        SnrGains.narrow(0, start, count),
        Cells.narrow(0, start, count),
        Active.narrow(0, start, count),
        Fhat.narrow(0, start, count),
        Fbar0.narrow(0, start, count),
        EdgeWeights.narrow(0, start, count));

    /// <summary>
    /// [C, n] each user's large-scale SIR in dB: its serving AP's gain over the sum of the other APs' gains, each averaged
    /// over the scored slots (the fast fading averages out; path loss and shadowing stay). train_resilient.py's
    /// <c>large_scale_sir_db</c>.
    /// </summary>
    public double[] LargeScaleSirDb()
    {
        using var scope = NewDisposeScope();
        var meanGain = SnrGains.to(ScalarType.Float64).mean([1]);
        var direct = (meanGain * Cells.to(ScalarType.Float64)).sum(-1);
        var interference = meanGain.sum(-1) - direct;
        var sir = Models.Scalars.Of(10) * (direct / interference.clamp_min(Models.Scalars.Of(1e-300))).log10();
        return sir.contiguous().data<double>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        SnrGains.Dispose();
        Cells.Dispose();
        Active.Dispose();
        Fhat.Dispose();
        Fbar0.Dispose();
        EdgeWeights.Dispose();
        Fmin.Dispose();
    }
}

/// <summary>Where a <see cref="ResilientSet"/> came from and its sizes.</summary>
/// <param name="Scenario">Scenario name (<c>resilient-rrm</c>).</param>
/// <param name="Settings">The resolved settings.</param>
/// <param name="Seed">Run seed of the configurations.</param>
/// <param name="Configurations">Number of configurations (indices 0 .. C - 1 of the seed).</param>
/// <param name="Slots">Slots per configuration, warm-up included.</param>
/// <param name="WarmupSlots">Unscored warm-up slots at the start.</param>
/// <param name="Users">Users (receivers) n.</param>
/// <param name="Cells">Cells (APs, transmitters) m.</param>
/// <param name="Noise">Noise power (mW).</param>
/// <param name="MaxPower">Largest AP power Pmax (mW).</param>
public sealed record ResilientSetDescription(
    string Scenario,
    ScenarioSettings Settings,
    ulong Seed,
    int Configurations,
    int Slots,
    int WarmupSlots,
    int Users,
    int Cells,
    double Noise,
    double MaxPower)
{
    /// <summary>Scored slots per configuration.</summary>
    public int ScoredSlots => Slots - WarmupSlots;
}

/// <summary>Some configurations of a <see cref="ResilientSet"/> (the batch dictionary of train_resilient.py).</summary>
/// <param name="SnrGains">[B, T, n, m] gains over noise.</param>
/// <param name="Cells">[B, n, m] one-hot association.</param>
/// <param name="Active">[B, T, n] bool activity.</param>
/// <param name="Fhat">[B, T, n] full-power rate estimates.</param>
/// <param name="Fbar0">[B, n] PF averages after warm-up.</param>
/// <param name="EdgeWeights">[B, T, n, n] dense user graphs.</param>
public sealed record ResilientBatch(Tensor SnrGains, Tensor Cells, Tensor Active, Tensor Fhat, Tensor Fbar0, Tensor EdgeWeights) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        SnrGains.Dispose();
        Cells.Dispose();
        Active.Dispose();
        Fhat.Dispose();
        Fbar0.Dispose();
        EdgeWeights.Dispose();
    }
}

/// <summary>
/// Builds <see cref="ResilientSet"/>s in process with the controller's own code, so that the data equals what
/// <c>controller scenario export</c> writes and data.py's <c>prepare_resilient</c> derives from it: each configuration
/// <c>scenario.CreateConfiguration(settings, seed, index)</c>, <c>Advance()</c> per slot; the warm-up runs as
/// <c>controller eval</c> runs it (<see cref="ProportionalFairSelector.SelectRoundRobin"/> at full power,
/// <see cref="Sinr.ComputeRates"/>, <see cref="ProportionalFairSelector.Update"/>); <c>fhat</c> is
/// <see cref="Sinr"/>'s rate with every AP at Pmax; the graph is <see cref="UserGraph"/> made dense.
/// </summary>
public static class ResilientData
{
    /// <summary>The scenario trained on.</summary>
    public const string ScenarioName = "resilient-rrm";

    /// <summary>
    /// The scenario settings of a training run: <c>aps</c>, <c>users</c> and, when given, <c>fmin</c> and <c>warmup</c> (the others at the
    /// scenario's defaults). The text values are those the manifest records.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SettingOverrides(int aps, int users, double? fmin, int? warmup = null)
    {
        var overrides = new List<KeyValuePair<string, string>>
        {
            new("aps", aps.ToString(CultureInfo.InvariantCulture)),
            new("users", users.ToString(CultureInfo.InvariantCulture)),
        };
        if (fmin is { } value)
        {
            overrides.Add(new("fmin", FormatG(value)));
        }

        if (warmup is { } slots)
        {
            overrides.Add(new("warmup", slots.ToString(CultureInfo.InvariantCulture)));
        }

        return overrides;
    }

    /// <summary>Python's <c>f"{value:g}"</c> for the values settings take (six significant digits, no trailing zeros).</summary>
    public static string FormatG(double value)
    {
        var text = value.ToString("G6", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        // C# writes 1E-05 where Python writes 1e-05.
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{text[..e]}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}");
    }

    /// <summary>
    /// Draws configurations 0 .. <paramref name="configurations"/> - 1 of <paramref name="seed"/> and prepares their
    /// scored slots. Configurations are independent, so <paramref name="parallelism"/> threads give the same set.
    /// </summary>
    public static ResilientSet Build(ScenarioSettings settings, ulong seed, int configurations, int slots, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(configurations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var scenario = ScenarioCatalog.Get(ScenarioName);
        var probe = scenario.CreateConfiguration(settings, seed, 0);
        var warmup = probe.WarmupSlots;
        if (slots <= warmup)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, $"{slots} slots leave nothing after the {warmup} warm-up slots of '{ScenarioName}'.");
        }

        var n = probe.Receivers;
        var m = probe.Transmitters;
        var scored = slots - warmup;
        var description = new ResilientSetDescription(ScenarioName, settings, seed, configurations, slots, warmup, n, m, probe.Constants.Noise, probe.Constants.MaxPower);
        var gains = new float[(long)configurations * scored * n * m];
        var cells = new float[(long)configurations * n * m];
        var active = new bool[(long)configurations * scored * n];
        var fhat = new float[(long)configurations * scored * n];
        var fbar0 = new float[(long)configurations * n];
        var edges = new float[(long)configurations * scored * n * n];
        var fmin = new double[(long)configurations * n];
        Parallel.For(
            0,
            configurations,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            c => Fill(c == 0 ? probe : scenario.CreateConfiguration(settings, seed, c), description, gains, cells, active, fhat, fbar0, edges, fmin));

        long[] perSlot = [configurations, scored, n];
        return new ResilientSet(
            description,
            tensor(gains, [configurations, scored, n, m]),
            tensor(cells, [configurations, n, m]),
            tensor(active, perSlot),
            tensor(fhat, perSlot),
            tensor(fbar0, [configurations, n]),
            tensor(edges, [configurations, scored, n, n]),
            tensor(fmin, [configurations, n]));
    }

    /// <summary>Runs one configuration through its slots and writes its part of the arrays.</summary>
    private static void Fill(NetworkConfiguration configuration, ResilientSetDescription d, float[] gains, float[] cells, bool[] active, float[] fhat, float[] fbar0, float[] edges, double[] fmin)
    {
        var c = configuration.Index;
        var (n, m, scored, warmup) = (d.Users, d.Cells, d.ScoredSlots, d.WarmupSlots);
        var noise = configuration.Constants.Noise;
        var pmax = configuration.Constants.MaxPower;
        var serving = configuration.ServingTransmitter.ToArray();
        var fairness = new ProportionalFairSelector(n, m);
        var served = new int[m];
        var power = new double[m];
        var rates = new double[n];
        var fullPower = new double[m];
        Array.Fill(fullPower, pmax);
        var graph = new UserGraph();
        for (var v = 0; v < n; v++)
        {
            cells[(((long)c * n) + v) * m + serving[v]] = 1;
            fmin[((long)c * n) + v] = configuration.Demands[v];
        }

        for (var slot = 0; slot < d.Slots; slot++)
        {
            configuration.Advance();
            if (slot < warmup)
            {
                fairness.SelectRoundRobin(configuration, served);
                for (var t = 0; t < m; t++)
                {
                    power[t] = served[t] >= 0 ? pmax : 0;
                }

                Sinr.ComputeRates(configuration.Gains, served, power, noise, rates);
                fairness.Update(rates);
                continue;
            }

            var s = slot - warmup;
            if (s == 0)
            {
                var average = fairness.AverageRate;
                for (var v = 0; v < n; v++)
                {
                    fbar0[((long)c * n) + v] = (float)average[v];
                }
            }

            var slotIndex = ((long)c * scored) + s;
            var values = configuration.Gains.Values;
            for (var k = 0; k < values.Length; k++)
            {
                gains[(slotIndex * n * m) + k] = (float)(values[k] / noise);
            }

            for (var v = 0; v < n; v++)
            {
                active[(slotIndex * n) + v] = configuration.Active[v];
                fhat[(slotIndex * n) + v] = (float)Sinr.Rate(Sinr.At(configuration.Gains.Row(v), serving[v], fullPower, noise));
            }

            graph.Build(configuration.Gains, serving, noise, pmax);
            var weights = graph.CellWeights;
            var dense = edges.AsSpan((int)(slotIndex * n * n), n * n);
            for (var v = 0; v < n; v++)
            {
                for (var u = 0; u < n; u++)
                {
                    if (u == v || serving[u] != serving[v])
                    {
                        dense[(v * n) + u] = (float)weights[(v * m) + serving[u]];
                    }
                }
            }
        }
    }
}
