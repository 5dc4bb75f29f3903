using System.Globalization;
using Controller.Radio.Evaluation;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001 Fig. 4 (Sec. IV-B): ALCOR on an infeasible problem with N = 50 links in the 7-cell <c>alcor-cellular</c>
/// scenario (the caption's demands: users 20-24 at 2, 25-30 at 3, 31 at 5 bps/Hz; the caption's overlapping ranges
/// 20:25 and 25:30 are read with user 25 in the second). The claim: the demands cannot be met, yet each user's rate
/// converges to a value close to its demand. The paper's URA there is a centralized DNN trained on that scenario; ours
/// is WMMSE (Table IV puts ALCOR around WMMSE level with ALCOR around the centralized DNN), as our networks are trained
/// on <c>gaussian-ic</c> only. Rows: each demand group's mean rate over the second half of the trace against its demand,
/// the sum rate, and viol (12); the chart draws the moving averages and lambdas over time.
/// </summary>
internal sealed class AlcorFig4Reproduction(int slots = 4_000) : Reproduction
{
    private const int Users = 50;
    private const string Scenario = "alcor-cellular";
    private const string Inner = "wmmse";
    private const double CloseTolerance = 0.5;
    private const int TraceEvery = 50;
    private const int TraceWindow = 250;

    /// <summary>The caption's demand groups (1-based users, inclusive) and their demand in bps/Hz.</summary>
    internal static readonly (int From, int To, double Demand)[] Groups = [(20, 24, 2), (25, 30, 3), (31, 31, 5)];

    public override string Name => "alcor-fig4";

    public override string Paper => "paper 001 (ALCOR), Fig. 4";

    public override string Setup => string.Create(CultureInfo.InvariantCulture, $"{Scenario}, links={Users} (7 cells, the scenario's defaults); alcor({Inner}), demands {string.Join(", ", Groups.Select(g => g.From == g.To ? $"user {g.From}: {g.Demand}" : $"users {g.From}-{g.To}: {g.Demand}"))} bps/Hz, 0 otherwise; one configuration, {slots} slots; a group's mean rate over the second half within {CloseTolerance} of its demand counts as close; moving averages over {TraceWindow} slots every {TraceEvery} for the chart");

    public override int WorkUnits => 1;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var demands = AlcorDnnRuns.Demands(Users, Groups);
        KeyValuePair<string, string>[] settings = [new("links", Users.ToString(CultureInfo.InvariantCulture)), new("demands", AlcorDnnRuns.Text(demands))];
        var (rates, lambdas) = AlcorDnnRuns.Trace(Inner, Scenario, settings, Users, slots, seed, cancellationToken);
        var constrained = Enumerable.Range(0, Users).Where(i => demands[i] > 0).ToArray();
        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        AlcorDnnRuns.AddSeries(extra, "rate", rates, constrained, TraceWindow, TraceEvery);
        AlcorDnnRuns.AddSeries(extra, "lambda", lambdas, constrained, 1, TraceEvery);
        foreach (var i in constrained)
        {
            extra[string.Create(CultureInfo.InvariantCulture, $"demand{i + 1:00}")] = demands[i];
        }

        var half = rates.Skip(slots / 2).ToArray();
        double Mean(int user) => half.Average(r => r[user]);
        var rows = new List<ReproductionRow>();
        foreach (var (from, to, demand) in Groups)
        {
            var members = Enumerable.Range(from - 1, to - from + 1).ToArray();
            var mean = members.Average(Mean);
            var spread = members.Select(Mean).ToArray();
            rows.Add(new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"fig. 4: {(from == to ? $"user {from}" : $"users {from}-{to}")} mean rate, second half (demand {demand}; claim: close to it; per user {string.Join(" / ", spread.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))})"),
                mean,
                demand,
                CloseTolerance));
        }

        var sumRate = half.Average(r => r.Sum());
        var violation = RateStatistics.ViolationPercent(demands, [.. Enumerable.Range(0, Users).Select(Mean)]) ?? 0;
        rows.Add(new ReproductionRow("fig. 4: sum rate, second half (no paper number; shown against the demands' sum)", sumRate, demands.Sum(), 0, Check: RowCheck.AtMost));
        rows.Add(new ReproductionRow("fig. 4: viol (12) %, second half (claim: the demands are not met, above 0)", violation, 0, 0, extra, RowCheck.Above));
        progress?.Report(1);
        return rows;
    }
}
