using System.Globalization;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 004 at m = 50 pairs with K = 6 (its Fig. 4 setting), synchronous and asynchronous (Sec. VI-B, Fig. 7). Two
/// committed artifacts trained alike: <c>agg-gnn-m50</c> with every pair awake in every slot and
/// <c>agg-gnn-m50-async</c> with each pair awake with probability 0.5 per slot (the paper: a Poisson number of active
/// nodes with mean 25 of 50); asleep pairs send no messages and keep their last power. In the asynchronous setting the
/// baselines decide every m / lambda = 2 slots and hold their decision in between, as in the paper
/// (<c>every:2(...)</c>). Claims: asynchronous Agg-GNN is below synchronous Agg-GNN and still at or above the baselines,
/// and both keep the power budget on average.
/// </summary>
internal sealed class AggGnnAsyncReproduction : Reproduction
{
    public const string SynchronousArtifact = "agg-gnn-m50";
    public const string AsynchronousArtifact = "agg-gnn-m50-async";
    private const int Configurations = 32;
    private const int Slots = 200;
    private const string Awake = "0.5";
    private const int Period = 2;
    private const int Hops = 6;
    private static readonly Scenario Scenario = ScenarioCatalog.Get("agg-gnn");
    private static readonly ScenarioSettings Synchronous = Scenario.Resolve([new("pairs", "50"), new("hops", "6"), new("delta", "0.3")]);
    private static readonly ScenarioSettings Asynchronous = Scenario.Resolve([new("pairs", "50"), new("hops", "6"), new("delta", "0.3"), new("awake", Awake)]);

    public override string Name => "agg-gnn-async";

    public override string Paper => "paper 004 (decentralized Agg-GNN), Sec. VI-A Fig. 4 (m = 50, 6 hops) and Sec. VI-B Fig. 7 (asynchronous, 50 nodes)";

    public override string Setup => string.Create(CultureInfo.InvariantCulture,
        $"agg-gnn scenario, pairs=50, hops=6, delta=0.3 (the paper's geometry at m = 50: transmitters in [-50, 50]^2), {Configurations} test configurations x {Slots} slots; synchronous: artifact agg-gnn:{SynchronousArtifact} against equal-power, random-full-power, wmmse-budget:6 on the current channel and on the channel of D = 1..6 slots earlier (delayed:D); asynchronous (awake={Awake}: each pair awake with probability {Awake} per slot, asleep pairs send nothing and keep their last power): artifact agg-gnn:{AsynchronousArtifact}, trained on that wake pattern, against the baselines deciding every {Period} slots (every:{Period}(...)); rows: Agg-GNN minus each baseline (claim: above 0), mean total power over the budget (claim: at most 1, with a 1 % sampling allowance), synchronous minus asynchronous Agg-GNN (claim: above 0)");

    // The paper's baselines on the current channel, then the budget-keeping WMMSE on channels D = 1..K slots old (as in
    // reproduce agg-gnn: distributed WMMSE whose information takes D exchange rounds to arrive).
    private static readonly string[] SynchronousBaselines =
    [
        "equal-power", "random-full-power", "wmmse-budget:6",
        .. Enumerable.Range(1, Hops).Select(d => string.Create(CultureInfo.InvariantCulture, $"delayed:{d}(wmmse-budget:6)")),
    ];

    private static readonly string[] AsynchronousBaselines = ["equal-power", $"every:{Period}(random-full-power)", $"every:{Period}(wmmse-budget:6)"];

    public override int WorkUnits => 3 + SynchronousBaselines.Length + AsynchronousBaselines.Length;

    /// <summary>
    /// The JSON field of a baseline's sum rate: its camel-cased name (<c>every:2(wmmse-budget:6)</c> ->
    /// <c>every2WmmseBudget6SumRate</c>), and <c>wmmseBudget6Delay{D}SumRate</c> for <c>delayed:D(wmmse-budget:6)</c>, the
    /// names <c>reproduce agg-gnn</c> uses.
    /// </summary>
    internal static string SumRateKey(string baseline)
    {
        const string Delayed = "delayed:";
        var open = baseline.IndexOf('(', StringComparison.Ordinal);
        if (baseline.StartsWith(Delayed, StringComparison.Ordinal) && open > 0)
        {
            return $"{ResilientGnnReproduction.Camel(baseline[(open + 1)..^1])}Delay{baseline[Delayed.Length..open]}SumRate";
        }

        return $"{ResilientGnnReproduction.Camel(baseline.Replace("(", "-", StringComparison.Ordinal).TrimEnd(')'))}SumRate";
    }

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var evaluator = new CountingEvaluator(Scenario, seed, Configurations, Slots, progress, cancellationToken);
        RateMetrics Evaluate(ScenarioSettings settings, string policy) => evaluator.Evaluate(settings, policy);

        var rows = new List<ReproductionRow>();
        void Compare(string setting, RateMetrics gnn, string baseline, RateMetrics metrics, Dictionary<string, double> extra)
        {
            extra[SumRateKey(baseline)] = metrics.SumRate;
            rows.Add(new ReproductionRow($"{setting}: Agg-GNN sum rate - {baseline} sum rate", gnn.SumRate - metrics.SumRate, 0, 0, null, RowCheck.Above));
        }

        var gnn = Evaluate(Synchronous, $"agg-gnn:{SynchronousArtifact}");
        var synchronousExtra = new Dictionary<string, double> { ["aggGnnSumRate"] = gnn.SumRate, ["aggGnnMeanPower"] = gnn.MeanPower, ["powerBudget"] = gnn.PowerBudget };
        rows.Add(new ReproductionRow("synchronous: Agg-GNN mean total power / budget (1 % sampling allowance)", gnn.MeanPower / gnn.PowerBudget, 1.01, 0, synchronousExtra, RowCheck.AtMost));
        foreach (var baseline in SynchronousBaselines)
        {
            Compare("synchronous", gnn, baseline, Evaluate(Synchronous, baseline), synchronousExtra);
        }

        var asynchronous = Evaluate(Asynchronous, $"agg-gnn:{AsynchronousArtifact}");
        var untrained = Evaluate(Asynchronous, $"agg-gnn:{SynchronousArtifact}");
        var asynchronousExtra = new Dictionary<string, double>
        {
            ["aggGnnSumRate"] = asynchronous.SumRate,
            ["aggGnnMeanPower"] = asynchronous.MeanPower,
            ["powerBudget"] = asynchronous.PowerBudget,
            ["synchronousModelSumRate"] = untrained.SumRate,
            ["synchronousModelMeanPower"] = untrained.MeanPower,
        };
        rows.Add(new ReproductionRow("asynchronous: Agg-GNN mean total power / budget (1 % sampling allowance)", asynchronous.MeanPower / asynchronous.PowerBudget, 1.01, 0, asynchronousExtra, RowCheck.AtMost));
        foreach (var baseline in AsynchronousBaselines)
        {
            Compare("asynchronous", asynchronous, baseline, Evaluate(Asynchronous, baseline), asynchronousExtra);
        }

        rows.Add(new ReproductionRow("synchronous Agg-GNN sum rate - asynchronous Agg-GNN sum rate (asynchrony costs)", gnn.SumRate - asynchronous.SumRate, 0, 0, null, RowCheck.Above));
        return rows;
    }
}
