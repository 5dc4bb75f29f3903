using System.Globalization;
using Controller.Radio.Evaluation;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001 Table I: URA sum rate of the trained centralized and distributed networks, each trained non-diverse (all
/// users on) and diverse (kappa from {0.2, 0.5, 1}), against WMMSE for N = 20 at kappa = 0.25 / 0.5 / 0.75 / 1 (each link
/// active with probability kappa in every slot).
/// </summary>
internal sealed class AlcorTable1Reproduction(AlcorDnnBudget? budget = null) : Reproduction
{
    private const int Users = 20;
    private const double Tolerance = 0.3;
    private const double ThresholdFromDb = 10;
    private const double ThresholdToDb = 25;
    private const double ThresholdStepDb = 0.5;
    private const ulong ValidationSeedOffset = 1_000;
    private readonly AlcorDnnBudget _budget = budget ?? AlcorDnnBudget.Default with { Slots = 1_000 };

    // kappa, then the paper's cntr. (divs.), cntr. (non-divs.), dist. (divs.), dist. (non-divs.) and WMMSE.
    private static readonly (double Kappa, double[] Values)[] PaperNumbers =
    [
        (0.25, [5.88, 5.63, 5.82, 5.45, 5.88]),
        (0.5, [6.38, 6.30, 6.31, 6.09, 6.8]),
        (0.75, [6.56, 6.56, 6.52, 6.35, 7.29]),
        (1, [6.71, 6.72, 6.66, 6.62, 7.72]),
    ];

    private static readonly (string Label, string Policy)[] Columns =
    [
        ("centralized DNN (diverse)", $"dnn:{AlcorDnnRuns.Centralized(Users)}-diverse"),
        ("centralized DNN (non-diverse)", $"dnn:{AlcorDnnRuns.Centralized(Users)}"),
        ("distributed DNN (diverse)", $"dnn:{AlcorDnnRuns.Distributed(Users)}-diverse"),
        ("distributed DNN (non-diverse)", $"dnn:{AlcorDnnRuns.Distributed(Users)}"),
        ("WMMSE", "wmmse"),
    ];

    public override string Name => "alcor-table1";

    public override string Paper => "paper 001 (ALCOR), Table I";

    public override string Setup => string.Create(CultureInfo.InvariantCulture, $"gaussian-ic, links={Users}, snrDb=15, activity=kappa; policies {string.Join(", ", Columns.Select(c => c.Policy))}; {_budget.Configurations} configurations x {_budget.Slots} slots; sum rate in bps/Hz within {Tolerance}; per kappa also the own-gain ceiling: local-threshold:T with T in [{ThresholdFromDb}, {ThresholdToDb}] dB (step {ThresholdStepDb}) chosen on validation seed = seed + {ValidationSeedOffset}, at most the paper's distributed (non-diverse) number, with greedy-on-off beside");

    public override int WorkUnits => PaperNumbers.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var none = new double[Users];
        for (var k = 0; k < PaperNumbers.Length; k++)
        {
            var (kappa, values) = PaperNumbers[k];
            for (var c = 0; c < Columns.Length; c++)
            {
                var metrics = AlcorDnnRuns.Evaluate(Columns[c].Policy, Users, none, kappa, _budget, alcor: false, seed, cancellationToken);
                rows.Add(new ReproductionRow(string.Create(CultureInfo.InvariantCulture, $"kappa {kappa}: {Columns[c].Label} sum rate"), metrics.SumRate, values[c], Tolerance));
            }

            rows.Add(LocalCeiling(kappa, values[3], seed, cancellationToken));

            progress?.Report(k + 1);
        }

        return rows;
    }

    /// <summary>
    /// What a policy that sees only its own current direct gain can reach: the best <c>local-threshold:T</c> (full power
    /// when the own SNR is at least T dB), T chosen on a validation seed from a 0.5 dB grid, scored on the test channels.
    /// On i.i.d. channels the distributed network's past-slot inputs are independent of the current channel, so this
    /// bounds it in practice; the row checks that it is at most the paper's distributed number (the paper's network then
    /// needed information its inputs do not carry). Greedy on/off with the whole current channel is given beside.
    /// </summary>
    private ReproductionRow LocalCeiling(double kappa, double paperDistributed, ulong seed, CancellationToken cancellationToken)
    {
        var none = new double[Users];
        var validation = new AlcorDnnBudget(Math.Max(1, _budget.Configurations / 4), Math.Max(50, _budget.Slots / 2), 0);
        var best = (Threshold: double.NaN, SumRate: double.NegativeInfinity);
        for (var threshold = ThresholdFromDb; threshold <= ThresholdToDb; threshold += ThresholdStepDb)
        {
            var sumRate = AlcorDnnRuns.Evaluate(Threshold(threshold), Users, none, kappa, validation, alcor: false, seed + ValidationSeedOffset, cancellationToken).SumRate;
            if (sumRate > best.SumRate)
            {
                best = (threshold, sumRate);
            }
        }

        var test = AlcorDnnRuns.Evaluate(Threshold(best.Threshold), Users, none, kappa, _budget, alcor: false, seed, cancellationToken).SumRate;
        var greedy = AlcorDnnRuns.Evaluate("greedy-on-off", Users, none, kappa, _budget, alcor: false, seed, cancellationToken).SumRate;
        var extra = new Dictionary<string, double> { ["thresholdDb"] = best.Threshold, ["validationSumRate"] = best.SumRate, ["greedyOnOffSumRate"] = greedy };
        return new ReproductionRow(
            string.Create(CultureInfo.InvariantCulture, $"kappa {kappa}: own-gain ceiling, best local-threshold:{best.Threshold} (T from validation seed {seed + ValidationSeedOffset}) sum rate, at most the paper's distributed DNN (greedy on/off with the whole channel: {greedy:F2})"),
            test,
            paperDistributed,
            0,
            extra,
            RowCheck.AtMost);
    }

    private static string Threshold(double db) => string.Create(CultureInfo.InvariantCulture, $"local-threshold:{db}");
}

/// <summary>
/// Paper 001 Table II: sum rate with every demand met on average, for N = 10, 20 and 50:
/// ALCOR around the centralized and the distributed network, the fixed DNN trained for these demands, and GP on the
/// feasible slots; the violation (12) of each is reported beside (the paper: 0 for all).
/// </summary>
internal sealed class AlcorTable2Reproduction(AlcorDnnBudget? budget = null, int[]? sizes = null) : Reproduction
{
    private const double SumRateTolerance = 0.5;
    private const double ViolationTolerance = 2;
    private readonly AlcorDnnBudget _budget = budget ?? AlcorDnnBudget.Default;
    private readonly int[] _sizes = sizes ?? [10, 20, 50];

    /// <summary>N, its demands (the caption), then the paper's ALCOR cntr., ALCOR dist., fixed DNN and GP sum rates.</summary>
    internal static readonly (int Users, double[] Demands, double Centralized, double Distributed, double Fixed, double Gp)[] PaperNumbers =
    [
        (10, AlcorDnnRuns.Demands(10, (1, 10, 0.25)), 5.41, 4.37, 6.82, 3.86),
        (20, AlcorDnnRuns.Demands(20, (1, 12, 0.1)), 6.56, 6.37, 6.73, 3.81),
        (50, AlcorDnnRuns.Demands(50, (1, 15, 0.05)), 6.67, 5.95, 6.16, 4.73),
    ];

    public override string Name => "alcor-table2";

    public override string Paper => "paper 001 (ALCOR), Table II";

    public override string Setup => string.Create(CultureInfo.InvariantCulture, $"gaussian-ic, snrDb=15, N = {string.Join("/", _sizes)} with the caption's demands; alcor(dnn:alcor-dnn-centralized-nN), alcor(dnn:alcor-dnn-distributed-nN), dnn:alcor-dnn-fixed-nN, gp on the slots whose demands can be met (a tenth of the slots); {_budget.Text}; sum rate within {SumRateTolerance}, viol % within {ViolationTolerance}");

    public override int WorkUnits => _sizes.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var done = 0;
        foreach (var (users, demands, centralized, distributed, fixedDnn, gp) in PaperNumbers.Where(p => _sizes.Contains(p.Users)))
        {
            foreach (var (label, policy, expected, alcor) in new[]
            {
                ("ALCOR (cntr.)", $"alcor(dnn:{AlcorDnnRuns.Centralized(users)})", centralized, true),
                ("ALCOR (dist.)", $"alcor(dnn:{AlcorDnnRuns.Distributed(users)})", distributed, true),
                ("fixed DNN", $"dnn:{AlcorDnnRuns.Fixed(users)}", fixedDnn, false),
            })
            {
                var metrics = AlcorDnnRuns.Evaluate(policy, users, demands, 1, _budget, alcor, seed, cancellationToken);
                rows.Add(new ReproductionRow($"N = {users}: {label} sum rate", metrics.SumRate, expected, SumRateTolerance));
                rows.Add(new ReproductionRow($"N = {users}: {label} viol %", metrics.ViolationPct ?? 0, 0, ViolationTolerance));
            }

            var (sumRate, feasible, worst) = AlcorDnnRuns.Gp(users, demands, _budget, seed, cancellationToken);
            var extra = new Dictionary<string, double> { ["feasibleFraction"] = feasible, ["worstShortfall"] = worst };
            var none = double.IsNaN(sumRate);
            rows.Add(new ReproductionRow(string.Create(CultureInfo.InvariantCulture, $"N = {users}: GP sum rate on the {feasible:P1} feasible slots{(none ? " (none: 0 shown)" : string.Empty)}"), none ? 0 : sumRate, gp, SumRateTolerance, extra));
            rows.Add(new ReproductionRow($"N = {users}: GP largest shortfall in a feasible slot (bps/Hz)", worst, 1e-6, 0, Check: RowCheck.AtMost));
            progress?.Report(++done);
        }

        return rows;
    }
}

/// <summary>
/// Paper 001 Table III: stricter demands, infeasible for most slots. ALCOR around both networks and the fixed DNNs of
/// Table II (trained for the old demands), sum rate and violation (12); GP's share of feasible slots; and Fig. 3, the
/// N = 20 users' moving-average rates and lambdas over time under ALCOR (centralized) as the chart's series.
/// </summary>
internal sealed class AlcorTable3Reproduction(AlcorDnnBudget? budget = null, int[]? sizes = null, int traceSlots = 4_000) : Reproduction
{
    private const double SumRateTolerance = 0.5;
    private const double ViolationTolerance = 2;
    private const double FixedViolationTolerance = 10;
    private const int TraceEvery = 50;
    private const int TraceWindow = 250;
    private readonly AlcorDnnBudget _budget = budget ?? AlcorDnnBudget.Default;
    private readonly int[] _sizes = sizes ?? [10, 20, 50];

    /// <summary>N, its demands (the caption), then the paper's (SR, viol) of ALCOR cntr., ALCOR dist. and the fixed DNN.</summary>
    internal static readonly (int Users, double[] Demands, (double, double) Centralized, (double, double) Distributed, (double, double) Fixed)[] PaperNumbers =
    [
        (10, With(AlcorDnnRuns.Demands(10, (1, 10, 0.1)), (5, 0.6), (7, 0.8), (9, 1)), (3.13, 0.61), (3.85, 0.01), (6.35, 37.71)),
        (20, With(AlcorDnnRuns.Demands(20, (1, 10, 0.1)), (5, 0.4), (7, 0.6), (12, 0.2), (19, 0.8)), (3.97, 0.00), (5.35, 0.00), (6.58, 60.45)),
        (50, AlcorDnnRuns.Demands(50, (20, 30, 0.3)), (6.09, 1.37), (4.75, 2.84), (6.17, 64.14)),
    ];

    public override string Name => "alcor-table3";

    public override string Paper => "paper 001 (ALCOR), Table III and Fig. 3";

    public override string Setup => string.Create(CultureInfo.InvariantCulture, $"gaussian-ic, snrDb=15, N = {string.Join("/", _sizes)} with the caption's demands; alcor(dnn:alcor-dnn-centralized-nN), alcor(dnn:alcor-dnn-distributed-nN), dnn:alcor-dnn-fixed-nN (Table II's); GP's share of feasible slots (a tenth of the slots); {_budget.Text}; sum rate within {SumRateTolerance}, viol % within {ViolationTolerance} ({FixedViolationTolerance} for the fixed DNN); Fig. 3: one N = 20 configuration, {traceSlots} slots, moving averages over {TraceWindow} slots every {TraceEvery}");

    public override int WorkUnits => _sizes.Length + 1;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var done = 0;
        foreach (var (users, demands, centralized, distributed, fixedDnn) in PaperNumbers.Where(p => _sizes.Contains(p.Users)))
        {
            foreach (var (label, policy, expected, alcor) in new[]
            {
                ("ALCOR (cntr.)", $"alcor(dnn:{AlcorDnnRuns.Centralized(users)})", centralized, true),
                ("ALCOR (dist.)", $"alcor(dnn:{AlcorDnnRuns.Distributed(users)})", distributed, true),
                ("fixed DNN", $"dnn:{AlcorDnnRuns.Fixed(users)}", fixedDnn, false),
            })
            {
                var metrics = AlcorDnnRuns.Evaluate(policy, users, demands, 1, _budget, alcor, seed, cancellationToken);
                rows.Add(new ReproductionRow($"N = {users}: {label} sum rate", metrics.SumRate, expected.Item1, SumRateTolerance));
                rows.Add(new ReproductionRow($"N = {users}: {label} viol %", metrics.ViolationPct ?? 0, expected.Item2, alcor ? ViolationTolerance : FixedViolationTolerance));
            }

            var (_, feasible, _) = AlcorDnnRuns.Gp(users, demands, _budget, seed, cancellationToken);
            rows.Add(new ReproductionRow($"N = {users}: GP feasible share of slots (paper: infeasible for most)", feasible, 0.5, 0, Check: RowCheck.AtMost));
            progress?.Report(++done);
        }

        rows.AddRange(Figure3(traceSlots, seed, cancellationToken));
        progress?.Report(++done);
        return rows;
    }

    private static ReproductionRow[] Figure3(int slots, ulong seed, CancellationToken cancellationToken)
    {
        var (users, demands, _, _, _) = PaperNumbers[1];
        var (rates, lambdas) = AlcorDnnRuns.Trace($"dnn:{AlcorDnnRuns.Centralized(users)}", users, demands, slots, seed, cancellationToken);
        var constrained = Enumerable.Range(0, users).Where(i => demands[i] > 0).ToArray();
        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        AlcorDnnRuns.AddSeries(extra, "rate", rates, constrained, TraceWindow, TraceEvery);
        AlcorDnnRuns.AddSeries(extra, "lambda", lambdas, constrained, 1, TraceEvery);
        foreach (var i in constrained)
        {
            extra[string.Create(CultureInfo.InvariantCulture, $"demand{i + 1:00}")] = demands[i];
        }

        // The claim of Fig. 3: higher demands get higher lambdas. lambda moves a lot from batch to batch, so each user's
        // lambda is averaged over the second half of the trace; the rows: the rank correlation of those means with the
        // demands (the claim: positive) and the user with the largest mean (the largest demand is user 19's).
        var means = constrained.Select(i => lambdas.Skip(slots / 2).Average(l => l[i])).ToArray();
        var correlation = RankCorrelation([.. constrained.Select(i => demands[i])], means);
        var top = constrained[Array.IndexOf(means, means.Max())];
        return
        [
            new ReproductionRow("fig. 3: rank correlation of the users' mean lambda with their demand (claim: positive)", correlation, 0, 0, extra, RowCheck.Above),
            new ReproductionRow("fig. 3: user with the largest mean lambda (paper: the largest demand, user 19)", top + 1, 19, 0),
        ];
    }

    /// <summary>Spearman's rank correlation (average ranks for ties).</summary>
    internal static double RankCorrelation(double[] x, double[] y)
    {
        double[] Ranks(double[] v) => [.. v.Select(a => v.Count(b => b < a) + ((v.Count(b => b == a) - 1) / 2.0))];
        var rx = Ranks(x);
        var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }

        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : 0;
    }

    private static double[] With(double[] demands, params (int User, double Value)[] changes)
    {
        foreach (var (user, value) in changes)
        {
            demands[user - 1] = value;
        }

        return demands;
    }
}

/// <summary>
/// Paper 001 Table IV, the neural columns: N = 5 with demands u1 / u2 / u3; ALCOR around the centralized and the
/// distributed network, the dynamic DNN (channel and demands in) and the fixed DNN trained for u2.
/// </summary>
internal sealed class AlcorTable4DnnReproduction(AlcorDnnBudget? budget = null) : Reproduction
{
    private const int Users = 5;
    private const double SumRateTolerance = 0.3;
    private const double ViolationTolerance = 2;
    private const double BenchmarkViolationTolerance = 10;
    private readonly AlcorDnnBudget _budget = budget ?? AlcorDnnBudget.Default;

    // Demands, then (SR, viol) of ALCOR cntr., ALCOR dist., dynamic DNN and fixed DNN.
    private static readonly (string Name, double[] Demands, (double, double) Centralized, (double, double) Distributed, (double, double) Dynamic, (double, double) Fixed)[] PaperNumbers =
    [
        ("u1", [0.5, 0.5, 0.5, 0.5, 0.5], (5.80, 0), (5.24, 0), (5.66, 0), (5.35, 100)),
        ("u2", [0, 1, 1.5, 2, 0], (5.20, 0), (4.64, 1.27), (5.53, 49.51), (5.35, 0)),
        ("u3", [0, 0, 0, 1, 3], (4.90, 0), (4.35, 0.78), (5.41, 70.80), (5.35, 30.04)),
    ];

    public override string Name => "alcor-table4-dnn";

    public override string Paper => "paper 001 (ALCOR), Table IV, centralized and distributed policy, dynamic and fixed DNN columns";

    public override string Setup => string.Create(CultureInfo.InvariantCulture, $"gaussian-ic, links={Users}, snrDb=15, demands u1/u2/u3; alcor(dnn:{AlcorDnnRuns.Centralized(Users)}), alcor(dnn:{AlcorDnnRuns.Distributed(Users)}), dnn:{AlcorDnnRuns.Dynamic}, dnn:{AlcorDnnRuns.Fixed(Users)} (trained for u2); {_budget.Text}; sum rate within {SumRateTolerance}, viol % within {ViolationTolerance} ({BenchmarkViolationTolerance} for the dynamic and fixed DNNs)");

    public override int WorkUnits => PaperNumbers.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var done = 0;
        foreach (var (name, demands, centralized, distributed, dynamic, fixedDnn) in PaperNumbers)
        {
            foreach (var (label, policy, expected, alcor) in new[]
            {
                ("ALCOR (cntr.)", $"alcor(dnn:{AlcorDnnRuns.Centralized(Users)})", centralized, true),
                ("ALCOR (dist.)", $"alcor(dnn:{AlcorDnnRuns.Distributed(Users)})", distributed, true),
                ("dynamic DNN", $"dnn:{AlcorDnnRuns.Dynamic}", dynamic, false),
                ("fixed DNN", $"dnn:{AlcorDnnRuns.Fixed(Users)}", fixedDnn, false),
            })
            {
                var metrics = AlcorDnnRuns.Evaluate(policy, Users, demands, 1, _budget, alcor, seed, cancellationToken);
                rows.Add(new ReproductionRow($"{name}: {label} sum rate", metrics.SumRate, expected.Item1, SumRateTolerance));
                rows.Add(new ReproductionRow($"{name}: {label} viol %", metrics.ViolationPct ?? 0, expected.Item2, alcor ? ViolationTolerance : BenchmarkViolationTolerance));
            }

            progress?.Report(++done);
        }

        return rows;
    }
}
