using System.Globalization;
using Controller.Optimization.Alcor;
using Controller.Optimization.Policies;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001 Table IV, "centralized WMMSE" column: ALCOR with WMMSE as the unconstrained allocator on the
/// Gaussian interference channel with N = 5 links at 15 dB, for three demand vectors; plus WMMSE alone on
/// the hardest demands, which it violates (the spec: user 5 gets about 1.2 of its 3 bps/Hz).
/// </summary>
internal sealed class AlcorTable4Reproduction : Reproduction
{
    private const int Configurations = 20;
    private const int Slots = 6_000;

    // 20 extragradient iterations (2 x 25 slots each) before scoring: from lambda = 0 the duals settle
    // in about that many; the 5000 scored slots after them keep the time-averaged rates' noise near 1 %.
    private const int BurnInSlots = 1_000;

    // WMMSE alone does not learn: no burn-in, and 2000 slots pin user 5's mean rate to about 0.01 bps/Hz.
    private const int WmmseSlots = 2_000;

    // Measured over seeds 1-5: sum rates within 0.07 of the paper's, seed-to-seed spread about 0.02.
    private const double SumRateTolerance = 0.15;

    // Measured viol 0.3-0.8 % over seeds 1-5 (the paper: 0.00): the scoring window is finite, so the
    // time-averaged rates of users held at their demand land a little below it about half the time.
    private const double ViolationTolerance = 2;

    // The paper's "about 1.2 of 3" gives viol 60 % only to within its rounding (1.15-1.25 is 58-62 %).
    private const double WmmseViolationTolerance = 3;

    private static readonly (string Name, string Demands, double SumRate, double Violation)[] DemandSets =
    [
        ("u1 = (0.5, 0.5, 0.5, 0.5, 0.5)", "0.5,0.5,0.5,0.5,0.5", 5.27, 0),
        ("u2 = (0, 1, 1.5, 2, 0)", "0,1,1.5,2,0", 5.09, 0),
        ("u3 = (0, 0, 0, 1, 3)", "0,0,0,1,3", 4.81, 0),
    ];

    public override string Name => "alcor-table4";

    public override string Paper => "paper 001 (ALCOR), Table IV, centralized WMMSE column";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"gaussian-ic, links=5, snrDb=15, demands u1/u2/u3; policy alcor(wmmse) (alpha {AlcorSettings.DefaultAlpha}, B {AlcorSettings.DefaultBatchSlots}, gamma {AlcorSettings.DefaultGamma}, extragradient form) and wmmse alone on u3; {Configurations} configurations x {Slots} slots for alcor, the first {BurnInSlots} unscored (burn-in), x {WmmseSlots} for wmmse; sum rate in bps/Hz within {SumRateTolerance}, viol in % within {ViolationTolerance} ({WmmseViolationTolerance} for wmmse alone)");

    public override int WorkUnits => DemandSets.Length + 1;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var finished = 0;
        foreach (var (name, demands, sumRate, violation) in DemandSets)
        {
            var metrics = Evaluate("alcor(wmmse)", demands, Slots, BurnInSlots, seed, cancellationToken);
            rows.Add(new ReproductionRow($"{name}: sum rate", metrics.SumRate, sumRate, SumRateTolerance));
            rows.Add(new ReproductionRow($"{name}: viol %", metrics.ViolationPct ?? 0, violation, ViolationTolerance));
            progress?.Report(++finished);
        }

        var wmmse = Evaluate("wmmse", DemandSets[2].Demands, WmmseSlots, burnInSlots: 0, seed, cancellationToken);
        rows.Add(new ReproductionRow("u3, wmmse alone: viol %", wmmse.ViolationPct ?? 0, 60, WmmseViolationTolerance));
        progress?.Report(++finished);
        return rows;
    }

    private static RateMetrics Evaluate(string policy, string demands, int slots, int burnInSlots, ulong seed, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve(
        [
            new("links", "5"),
            new("snrDb", "15"),
            new("demands", demands),
        ]);
        var request = new EvaluationRequest(scenario, settings, policy, seed, Configurations, slots, ControlPolicies.Provider) { BurnInSlots = burnInSlots };
        return Evaluator.Run(request, cancellationToken: cancellationToken).Metrics;
    }
}
