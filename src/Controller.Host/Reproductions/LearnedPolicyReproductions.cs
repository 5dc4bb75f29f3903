using System.Globalization;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 003's qualitative results with the committed artifacts: on unseen test configurations (the run seed;
/// training used other seeds, see the manifests) the resilient GNN's 5th-percentile rate is above full reuse,
/// WMMSE and ITLinQ (each after PF selection) at n = 40 for m in {4, 6, 8, 10}, each size with the model trained at
/// its m (<c>resilient-gnn-m{m}-n40</c>; the paper trains one model per m) when that artifact is bundled, otherwise
/// with the model trained at (m, n) = (4, 40); the m = 4 model is also scored at m in {6, 8, 10} (transfer rows) and
/// at n = 60, 80 and 100 with m = n/10; the model trained with mu = 0 (the matching <c>-mu0</c> artifact) has a lower
/// 5th percentile; the average slack at the end of training (each per-m artifact's <c>history.csv</c>) falls as m
/// grows (the paper's Fig. 4). Mean rates are reported beside (the paper's GNN may be below WMMSE there).
/// </summary>
internal sealed class ResilientGnnReproduction : Reproduction
{
    public const string Artifact = "resilient-gnn-m4-n40";
    public const string MuZeroArtifact = "resilient-gnn-m4-n40-mu0";
    private const int TrainingUsers = 40;
    private const int TrainingAps = 4;
    private const int Configurations = 64;
    private static readonly (int Aps, int Users)[] Sizes = [(4, 40), (6, 40), (8, 40), (10, 40), (6, 60), (8, 80), (10, 100)];
    private static readonly int[] SlackAps = [4, 6, 8, 10];
    private static readonly string[] Baselines = ["full-reuse", "wmmse", "itlinq"];

    public override string Name => "resilient-gnn";

    public override string Paper => "paper 003 (resilient RRM with GNNs), Sec. V: 5th-percentile rate against the baselines (one model per m at n = 40), transfer to other sizes, mu = 0";

    public override string Setup
    {
        get
        {
            var plans = Plan(Cli.HostPolicies.Learned.AvailableArtifacts());
            var rows = string.Join("; ", plans.Select(p => string.Create(CultureInfo.InvariantCulture,
                $"({p.Aps}, {p.Users}){(p.Transfer ? " transfer" : "")} gnn:{p.Artifact}{(p.MuZeroArtifact is null ? "" : $" vs mu=0 gnn:{p.MuZeroArtifact}")}")));
            return string.Create(CultureInfo.InvariantCulture,
                $"resilient-rrm (fmin 1), {Configurations} test configurations per size x 200 slots (100 warm-up, 100 scored); baselines {string.Join(", ", Baselines)} with PF selection; artifacts per row (see their manifests for seeds and epochs): {rows}; rows: GNN p5 minus the best baseline p5 (claim: above 0), p5 of the resilient model minus the mu = 0 model (claim: above 0) where a mu = 0 artifact is bundled, and the smallest fall of the average slack at the end of training from one m to the next, m = {string.Join(", ", SlackAps)} (claim: above 0; recorded in each artifact's history.csv when it was trained, not computed by this run), and per m minus the Spearman correlation of each training user's final slack with its large-scale SIR (claim: above 0; from the artifact's slack.csv)");
        }
    }

    public override int WorkUnits => Sizes.Length;

    /// <summary>One scored model at one size.</summary>
    /// <param name="Aps">m.</param>
    /// <param name="Users">n.</param>
    /// <param name="Artifact">The resilient model scored.</param>
    /// <param name="TrainedAps">The m that model was trained at (n = 40).</param>
    /// <param name="MuZeroArtifact">The mu = 0 model compared with it, if bundled.</param>
    /// <param name="Transfer">True for the m = 4 model scored at n = 40 beside a model trained at that m.</param>
    internal sealed record RowPlan(int Aps, int Users, string Artifact, int TrainedAps, string? MuZeroArtifact, bool Transfer);

    /// <summary>
    /// The rows: at n = 40 the model trained at that m (with its -mu0 twin when bundled) when bundled, otherwise the
    /// m = 4 model (with <see cref="MuZeroArtifact"/>); where a per-m model is used, also a transfer row with the m = 4
    /// model (with <see cref="MuZeroArtifact"/>); at n = 60, 80 and 100 the m = 4 models.
    /// </summary>
    internal static IReadOnlyList<RowPlan> Plan(IReadOnlyCollection<string> available)
    {
        string? MuZero(string name) => available.Contains(name + "-mu0") ? name + "-mu0" : null;
        var plans = new List<RowPlan>();
        foreach (var (aps, users) in Sizes)
        {
            var own = string.Create(CultureInfo.InvariantCulture, $"resilient-gnn-m{aps}-n{users}");
            if (users == TrainingUsers && aps != TrainingAps && available.Contains(own))
            {
                // Each mu = 0 row compares two models trained alike but for mu: the per-m pair, and the m = 4 pair on the transfer row.
                plans.Add(new RowPlan(aps, users, own, aps, MuZero(own), false));
                plans.Add(new RowPlan(aps, users, Artifact, TrainingAps, MuZero(Artifact), true));
            }
            else
            {
                plans.Add(new RowPlan(aps, users, Artifact, TrainingAps, MuZero(Artifact), false));
            }
        }

        return plans;
    }

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var provider = Cli.HostPolicies.Provider;
        var plans = Plan(Cli.HostPolicies.Learned.AvailableArtifacts());
        var rows = new List<ReproductionRow>();
        var done = 0;
        foreach (var (aps, users) in Sizes)
        {
            var scenario = ScenarioCatalog.Get("resilient-rrm");
            var settings = scenario.Resolve([new("aps", aps.ToString(CultureInfo.InvariantCulture)), new("users", users.ToString(CultureInfo.InvariantCulture))]);
            RateMetrics Evaluate(string policy) => Evaluator.Run(new EvaluationRequest(scenario, settings, policy, seed, Configurations, 200, provider), null, cancellationToken).Metrics;
            var baselines = new Dictionary<string, double>();
            var bestBaseline = double.NegativeInfinity;
            foreach (var baseline in Baselines)
            {
                var metrics = Evaluate(baseline);
                baselines[$"{Camel(baseline)}P5Rate"] = metrics.P5Rate;
                baselines[$"{Camel(baseline)}MeanRate"] = metrics.MeanRate;
                bestBaseline = Math.Max(bestBaseline, metrics.P5Rate);
            }

            foreach (var plan in plans.Where(p => p.Aps == aps && p.Users == users))
            {
                var gnn = Evaluate($"gnn:{plan.Artifact}");
                var extra = new Dictionary<string, double>(baselines) { ["gnnP5Rate"] = gnn.P5Rate, ["gnnMeanRate"] = gnn.MeanRate, ["modelAps"] = plan.TrainedAps };
                var size = string.Create(CultureInfo.InvariantCulture, $"m={aps} n={users}, model m={plan.TrainedAps}");
                rows.Add(new ReproductionRow($"{size}: GNN p5 - best baseline p5", gnn.P5Rate - bestBaseline, 0, 0, extra, RowCheck.Above));
                if (plan.MuZeroArtifact is { } muZeroArtifact)
                {
                    var muZero = Evaluate($"gnn:{muZeroArtifact}");
                    rows.Add(new ReproductionRow(
                        string.Create(CultureInfo.InvariantCulture, $"{size}: GNN p5 - mu=0 GNN p5"),
                        gnn.P5Rate - muZero.P5Rate,
                        0,
                        0,
                        new Dictionary<string, double> { ["muZeroP5Rate"] = muZero.P5Rate, ["muZeroMeanRate"] = muZero.MeanRate, ["muZeroModelAps"] = plan.TrainedAps },
                        RowCheck.Above));
                }
            }

            progress?.Report(++done);
        }

        if (SlackRow() is { } slack)
        {
            rows.Add(slack);
        }

        foreach (var aps in SlackAps)
        {
            if (SlackAgainstSirRow(string.Create(CultureInfo.InvariantCulture, $"resilient-gnn-m{aps}-n{TrainingUsers}")) is { } slackSir)
            {
                rows.Add(slackSir);
            }
        }

        return rows;
    }

    /// <summary>
    /// Paper 003's Fig. 4: the average slack at the end of training is smaller for larger m (users nearer an AP need less
    /// relaxation). Read from the <c>avg_slack</c> column of the last epoch in each per-m artifact's <c>history.csv</c>;
    /// null when fewer than two of them are bundled.
    /// </summary>
    internal static ReproductionRow? SlackRow()
    {
        var root = Cli.HostPolicies.Learned.ArtifactsRoot;
        var slacks = new Dictionary<string, double>();
        var values = new List<double>();
        var found = new List<int>();
        foreach (var aps in SlackAps)
        {
            var history = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"resilient-gnn-m{aps}-n{TrainingUsers}"), "history.csv");
            if (FinalColumn(history, "avg_slack") is { } slack)
            {
                slacks[string.Create(CultureInfo.InvariantCulture, $"slackM{aps}")] = slack;
                values.Add(slack);
                found.Add(aps);
            }
        }

        if (values.Count < 2)
        {
            return null;
        }

        var smallestFall = values.Zip(values.Skip(1), (before, after) => before - after).Min();
        return new ReproductionRow(
            $"average slack at the end of training (m = {string.Join(", ", found)}): smallest fall from one m to the next",
            smallestFall,
            0,
            0,
            slacks,
            RowCheck.Above);
    }

    /// <summary>
    /// Paper 003's Fig. 6a: a user's slack at the end of training falls as its large-scale SIR rises. Read from the
    /// <paramref name="artifact"/>'s <c>slack.csv</c> (one line per training configuration and user, written by the
    /// trainer); the row is minus the Spearman rank correlation of slack with SIR (claim: above 0). Null when the file
    /// is not bundled.
    /// </summary>
    internal static ReproductionRow? SlackAgainstSirRow(string artifact)
    {
        var path = Path.Combine(Cli.HostPolicies.Learned.ArtifactsRoot, artifact, "slack.csv");
        if (ReadCsv(path) is not { } table)
        {
            return null;
        }

        var (sirColumn, slackColumn) = (Array.IndexOf(table.Header, "sir_db"), Array.IndexOf(table.Header, "slack"));
        if (sirColumn < 0 || slackColumn < 0)
        {
            throw new InvalidDataException($"{path}: the header lacks sir_db or slack ({string.Join(',', table.Header)}).");
        }

        var sir = table.Rows.Select(cells => double.Parse(cells[sirColumn], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        var slack = table.Rows.Select(cells => double.Parse(cells[slackColumn], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();

        var rho = SpearmanCorrelation(sir, slack);
        return new ReproductionRow(
            $"{artifact}: minus the rank correlation of final slack with large-scale SIR ({sir.Length} training users)",
            -rho,
            0,
            0,
            new Dictionary<string, double> { ["spearman"] = rho, ["users"] = sir.Length, ["meanSlack"] = slack.Average() },
            RowCheck.Above);
    }

    /// <summary>Pearson correlation of the ranks (ties get their mean rank).</summary>
    internal static double SpearmanCorrelation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var rx = Ranks(x);
        var ry = Ranks(y);
        var (mx, my) = (rx.Average(), ry.Average());
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }

        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : 0;
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0;
            }

            start = end + 1;
        }

        return ranks;
    }

    /// <summary>The value of <paramref name="column"/> in the last row of a training history (CSV with a header), or null if absent.</summary>
    internal static double? FinalColumn(string path, string column)
    {
        if (ReadCsv(path) is not { } table)
        {
            return null;
        }

        var index = Array.IndexOf(table.Header, column);
        var cells = table.Rows[^1];
        return index >= 0 && index < cells.Length && double.TryParse(cells[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    /// <summary>A trainer's CSV file (header line, then data lines; blank lines skipped), or null when it is absent or has no data line.</summary>
    private static (string[] Header, string[][] Rows)? ReadCsv(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadLines(path).Where(l => l.Length > 0).ToArray();
        return lines.Length < 2 ? null : (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }

    internal static string Camel(string name)
    {
        var parts = name.Split('-', ':');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}

/// <summary>
/// Paper 004's claim with the committed artifact: at m = 25 pairs, delta = 0.3, Agg-GNN's sum rate is above
/// equal power, random full power and K-iteration WMMSE, and its mean total power meets the budget.
/// </summary>
internal sealed class AggGnnReproduction : Reproduction
{
    public const string Artifact = "agg-gnn-m25";
    private const int Configurations = 32;
    private const int Slots = 200;

    public override string Name => "agg-gnn";

    public override string Paper => "paper 004 (decentralized Agg-GNN), Sec. VI: sum rate against equal power, random full power and distributed WMMSE, budget met on average";

    public override string Setup => string.Create(CultureInfo.InvariantCulture,
        $"agg-gnn scenario, pairs=25, delta=0.3 (other settings default), artifact agg-gnn:{Artifact} (see its manifest), {Configurations} test configurations x {Slots} slots; baselines equal-power, random-full-power, wmmse:K and wmmse-budget:K (every step within the total budget) with K = the scenario's hops, all on the current channel, and delayed:D(wmmse-budget:K) for D = 1..K (the same WMMSE on the channel of D slots earlier: distributed WMMSE whose channel information takes D exchange rounds, one per slot, to arrive; the paper does not say which delay its WMMSE had); transference: the same weights at m = 50 pairs drawn at the density of 25 (trainingPairs=25), against equal-power, random-full-power and delayed:1(wmmse-budget:K); a reference outside the comparison: greedy-on-off (centralized, current channel, on/off within the budget; row fields greedyOnOff*); rows: Agg-GNN sum rate minus the best current-channel baseline (claim: above 0), Agg-GNN mean total power over the budget (claim: at most 1, with a 1 % allowance for the sampling noise of Bernoulli powers), Agg-GNN sum rate minus the budget-keeping wmmse-budget:K's, on the current channel and D slots late (claim: above 0)");

    // The agg-gnn scenario with paper 004's setting; its hops K also sets the channel ages swept (D = 1..K).
    private static readonly Scenario Scenario = ScenarioCatalog.Get("agg-gnn");
    private static readonly ScenarioSettings Settings = Scenario.Resolve([new("pairs", "25"), new("delta", "0.3")]);

    // Transference: twice the pairs on an area grown to keep the density of the 25 the model was trained on.
    private const int TransferPairs = 50;
    private static readonly ScenarioSettings TransferSettings = Scenario.Resolve(
        [new("pairs", TransferPairs.ToString(CultureInfo.InvariantCulture)), new("trainingPairs", "25"), new("delta", "0.3")]);

    public override int WorkUnits => 11 + Settings.GetInt("hops");

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var hops = Settings.GetInt("hops");
        var evaluator = new CountingEvaluator(Scenario, seed, Configurations, Slots, progress, cancellationToken);
        RateMetrics EvaluateAt(ScenarioSettings settings, string policy) => evaluator.Evaluate(settings, policy);

        RateMetrics Evaluate(string policy) => EvaluateAt(Settings, policy);

        var gnn = Evaluate($"agg-gnn:{Artifact}");
        var extra = new Dictionary<string, double> { ["aggGnnSumRate"] = gnn.SumRate, ["aggGnnMeanPower"] = gnn.MeanPower, ["powerBudget"] = gnn.PowerBudget };
        var best = double.NegativeInfinity;
        var budgeted = string.Create(CultureInfo.InvariantCulture, $"wmmse-budget:{hops}");
        var budgetedSumRate = 0.0;
        foreach (var baseline in new[] { "equal-power", "random-full-power", string.Create(CultureInfo.InvariantCulture, $"wmmse:{hops}"), budgeted })
        {
            var metrics = Evaluate(baseline);
            extra[$"{ResilientGnnReproduction.Camel(baseline)}SumRate"] = metrics.SumRate;
            extra[$"{ResilientGnnReproduction.Camel(baseline)}MeanPower"] = metrics.MeanPower;
            best = Math.Max(best, metrics.SumRate);
            budgetedSumRate = baseline == budgeted ? metrics.SumRate : budgetedSumRate;
        }

        // A reference, not one of the paper's baselines: the best an on/off choice under the budget reaches greedily from
        // the whole current channel (what separates Agg-GNN from WMMSE is then its information, not its action space).
        var greedy = Evaluate("greedy-on-off");
        extra["greedyOnOffSumRate"] = greedy.SumRate;
        extra["greedyOnOffMeanPower"] = greedy.MeanPower;

        var delayedRows = new List<ReproductionRow>();
        for (var delay = 1; delay <= hops; delay++)
        {
            var delayed = string.Create(CultureInfo.InvariantCulture, $"delayed:{delay}({budgeted})");
            var metrics = Evaluate(delayed);
            extra[$"wmmseBudget{hops}Delay{delay}SumRate"] = metrics.SumRate;
            extra[$"wmmseBudget{hops}Delay{delay}MeanPower"] = metrics.MeanPower;
            delayedRows.Add(new ReproductionRow($"Agg-GNN sum rate - {delayed} sum rate (channel {delay} slot{(delay == 1 ? "" : "s")} old)", gnn.SumRate - metrics.SumRate, 0, 0, null, RowCheck.Above));
        }

        return
        [
            new ReproductionRow("Agg-GNN sum rate - best baseline sum rate", gnn.SumRate - best, 0, 0, extra, RowCheck.Above),
            // The dual keeps the policy at the budget, so the sample mean of Bernoulli powers sits around 1: a 1 %
            // allowance covers the sampling noise of 32 x 200 slots (its standard error is about 0.2 %).
            new ReproductionRow("Agg-GNN mean total power / budget (1 % sampling allowance)", gnn.MeanPower / gnn.PowerBudget, 1.01, 0, null, RowCheck.AtMost),
            // wmmse:K spends past the budget (see its mean power); this row holds it to the problem's constraint.
            new ReproductionRow($"Agg-GNN sum rate - {budgeted} sum rate (WMMSE within the budget)", gnn.SumRate - budgetedSumRate, 0, 0, null, RowCheck.Above),
            .. delayedRows,
            .. TransferRows(EvaluateAt),
        ];
    }

    /// <summary>
    /// Paper 004's transference (Sec. VI-C): the m = 25 weights on networks of <see cref="TransferPairs"/> pairs drawn at
    /// the same density (the scenario's trainingPairs = 25), against equal and random full power, and against the
    /// budget-keeping WMMSE one slot late (the smallest delay at which the m = 25 comparison holds).
    /// </summary>
    private static ReproductionRow[] TransferRows(Func<ScenarioSettings, string, RateMetrics> evaluateAt)
    {
        var hops = Settings.GetInt("hops");
        RateMetrics Evaluate(string policy) => evaluateAt(TransferSettings, policy);

        var gnn = Evaluate($"agg-gnn:{Artifact}");
        var extra = new Dictionary<string, double> { ["aggGnnSumRate"] = gnn.SumRate, ["aggGnnMeanPower"] = gnn.MeanPower, ["powerBudget"] = gnn.PowerBudget };
        var best = double.NegativeInfinity;
        foreach (var baseline in new[] { "equal-power", "random-full-power" })
        {
            var metrics = Evaluate(baseline);
            extra[$"{ResilientGnnReproduction.Camel(baseline)}SumRate"] = metrics.SumRate;
            best = Math.Max(best, metrics.SumRate);
        }

        var current = Evaluate(string.Create(CultureInfo.InvariantCulture, $"wmmse-budget:{hops}"));
        extra[$"wmmseBudget{hops}SumRate"] = current.SumRate;
        var late = string.Create(CultureInfo.InvariantCulture, $"delayed:1(wmmse-budget:{hops})");
        var delayed = Evaluate(late);
        extra[$"wmmseBudget{hops}Delay1SumRate"] = delayed.SumRate;
        var size = string.Create(CultureInfo.InvariantCulture, $"transfer to m = {TransferPairs}");
        return
        [
            new ReproductionRow($"{size}: Agg-GNN sum rate - best of equal-power, random-full-power", gnn.SumRate - best, 0, 0, extra, RowCheck.Above),
            new ReproductionRow($"{size}: Agg-GNN mean total power / budget", gnn.MeanPower / gnn.PowerBudget, 1.01, 0, null, RowCheck.AtMost),
            new ReproductionRow($"{size}: Agg-GNN sum rate - {late} sum rate", gnn.SumRate - delayed.SumRate, 0, 0, null, RowCheck.Above),
        ];
    }
}
