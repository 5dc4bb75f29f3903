using System.Globalization;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001 Table I, WMMSE column: sum rate of WMMSE on the Gaussian interference channel with N = 20
/// links at 15 dB when each link is active with probability kappa (inactive links removed).
/// </summary>
internal sealed class WmmseTable1Reproduction : Reproduction
{
    private const int Configurations = 50;
    private const int Slots = 100;
    private static readonly (double Kappa, double PaperSumRate)[] Rows = [(0.25, 5.88), (0.5, 6.8), (0.75, 7.29), (1.0, 7.72)];

    public override string Name => "wmmse-table1";

    public override string Paper => "paper 001 (ALCOR), Table I, WMMSE column";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"gaussian-ic, links=20, snrDb=15, activity=kappa; policy wmmse (100 iterations from full power); {Configurations} configurations x {Slots} i.i.d. slots per kappa; sum rate in bps/Hz per slot; tolerance 0.15");

    public override int WorkUnits => Rows.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var rows = new List<ReproductionRow>();
        foreach (var (kappa, paper) in Rows)
        {
            var settings = scenario.Resolve(
            [
                new("links", "20"),
                new("snrDb", "15"),
                new("activity", kappa.ToString(CultureInfo.InvariantCulture)),
            ]);
            var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "wmmse", seed, Configurations, Slots), cancellationToken: cancellationToken);
            rows.Add(new ReproductionRow(string.Create(CultureInfo.InvariantCulture, $"kappa = {kappa}"), result.Metrics.SumRate, paper, 0.15));
            progress?.Report(rows.Count);
        }

        return rows;
    }
}
