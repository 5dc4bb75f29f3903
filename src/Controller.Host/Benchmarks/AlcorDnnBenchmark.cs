using System.Diagnostics;
using System.Globalization;
using Controller.Host.Cli;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of <c>controller bench alcor-dnn</c>.</summary>
/// <param name="Users">Network sizes N, one group of rows each (each needs the committed <c>alcor-dnn-*-nN</c> artifacts).</param>
/// <param name="Slots">Timed decisions (slots of configuration 0 of the seed) per policy and run.</param>
/// <param name="Runs">Timed runs of every policy; a row reports the median.</param>
/// <param name="Seed">Scenario seed of the channels (13 by default: apart from the networks' training and validation seeds 11 and 12).</param>
internal sealed record AlcorDnnBenchmarkSettings(int[] Users, int Slots, int Runs, ulong Seed)
{
    /// <summary>The reference every row's speed-up is measured against, in the same run.</summary>
    public const string Baseline = "wmmse";

    /// <summary>The policies timed for N users, the baseline first.</summary>
    public static string[] Policies(int users) =>
    [
        Baseline,
        $"dnn:alcor-dnn-centralized-n{users}",
        $"dnn:alcor-dnn-distributed-n{users}",
        $"alcor(dnn:alcor-dnn-centralized-n{users})",
    ];
}

/// <summary>One policy at one N: median decision time over the runs, and the mean sum rate of its decisions.</summary>
/// <param name="Users">N.</param>
/// <param name="Policy">The policy spec.</param>
/// <param name="MedianMicros">Median over the runs of the mean microseconds per decision.</param>
/// <param name="DecisionsPerSecond">1e6 / <paramref name="MedianMicros"/>.</param>
/// <param name="SpeedUp">Median over the runs of the baseline's microseconds over this policy's in the same run (same N).</param>
/// <param name="SumRate">Mean sum rate (bps/Hz) of the decisions, every user on, no demands.</param>
internal sealed record AlcorDnnBenchmarkRow(int Users, string Policy, double MedianMicros, double DecisionsPerSecond, double SpeedUp, double SumRate);

/// <summary>
/// <c>controller bench alcor-dnn</c>: how much faster paper 001's trained allocators decide than WMMSE (100 iterations,
/// the paper's URA baseline; "the policies maintain good performance in URA while making URA faster"). Each policy
/// decides the same slots of <c>gaussian-ic</c> with N links at 15 dB, one thread, through the same policy interface a
/// region uses (the managed CPU model for the networks); only the decision call is timed, after one untimed run of each.
/// </summary>
internal static class AlcorDnnBenchmark
{
    /// <summary>Runs every size; progress lines on <paramref name="log"/>.</summary>
    public static IReadOnlyList<AlcorDnnBenchmarkRow> Run(AlcorDnnBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var rows = new List<AlcorDnnBenchmarkRow>();
        foreach (var users in settings.Users)
        {
            // Every policy once untimed (JIT tiers, buffers), then the runs round-robin over the policies, so that a
            // change of load on the shared machine hits every policy of a run alike; the speed-up is the median of the
            // per-run ratios to the baseline.
            var policies = AlcorDnnBenchmarkSettings.Policies(users);
            var sumRates = policies.Select(p => Time(p, users, settings.Slots, settings.Seed, cancellationToken).SumRate).ToArray();
            var micros = new double[policies.Length][];
            for (var p = 0; p < policies.Length; p++)
            {
                micros[p] = new double[settings.Runs];
            }

            for (var r = 0; r < settings.Runs; r++)
            {
                for (var p = 0; p < policies.Length; p++)
                {
                    micros[p][r] = Time(policies[p], users, settings.Slots, settings.Seed, cancellationToken).Micros;
                }

                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench alcor-dnn: N = {users}: run {r + 1}/{settings.Runs}: {string.Join(", ", policies.Select((p, i) => $"{p} {micros[i][r]:F1} us"))}"));
            }

            for (var p = 0; p < policies.Length; p++)
            {
                var median = RateStatistics.Percentile(micros[p], 50);
                var ratio = RateStatistics.Percentile([.. Enumerable.Range(0, settings.Runs).Select(r => micros[0][r] / micros[p][r])], 50);
                rows.Add(new AlcorDnnBenchmarkRow(users, policies[p], median, 1e6 / median, ratio, sumRates[p]));
            }
        }

        return rows;
    }

    /// <summary>One row as text.</summary>
    public static string Line(AlcorDnnBenchmarkRow row) => string.Create(CultureInfo.InvariantCulture,
        $"N {row.Users,3}  {row.Policy,-40} {row.MedianMicros,10:F1} us  {row.DecisionsPerSecond,10:F0} decisions/s  {row.SpeedUp,7:F1}x {AlcorDnnBenchmarkSettings.Baseline}  sum rate {row.SumRate:F2}");

    /// <summary>The policy's mean microseconds per decision over <paramref name="slots"/> slots, and its mean sum rate.</summary>
    private static (double Micros, double SumRate) Time(string spec, int users, int slots, ulong seed, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve([new("links", users.ToString(CultureInfo.InvariantCulture)), new("snrDb", "15")]);
        var configuration = scenario.CreateConfiguration(settings, seed, 0);
        var policy = HostPolicies.Provider.Create(spec, seed, 0);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
        var decision = new SlotDecision(configuration.Transmitters);
        var rates = new double[users];
        var ticks = 0L;
        var sumRate = 0.0;
        for (var s = 0; s < slots; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            configuration.Advance();
            var start = Stopwatch.GetTimestamp();
            policy.Decide(configuration, fairness, decision);
            ticks += Stopwatch.GetTimestamp() - start;
            Sinr.ComputeRates(configuration.Gains, decision.ServedReceiver, decision.Power, configuration.Constants.Noise, rates);
            fairness.Update(rates);
            policy.Learn(configuration, rates);
            sumRate += rates.Sum();
        }

        return (ticks * 1e6 / Stopwatch.Frequency / slots, sumRate / slots);
    }
}
