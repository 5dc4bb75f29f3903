using System.Globalization;
using Controller.Optimization.Isac;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 002's Pareto fronts (WSR against CRLB) from BOBLRBF on the <c>isac</c> scenario: one front per value of a
/// swept setting, each front's points in its row's numbers (<c>crlb0..</c>, <c>wsr0..</c> worst-case, <c>nominalWsr0..</c>),
/// then the paper's qualitative claims as checked rows. The instance is configuration 0 of the seed with the paper's setup
/// unless <see cref="Overrides"/> shrink it (the tests do, to stay fast).
/// </summary>
internal abstract class IsacFrontReproduction(IReadOnlyList<KeyValuePair<string, string>> overrides, BoblrbfOptions options) : Reproduction
{
    /// <summary>The reference point of the hypervolumes: WSR 0 and this CRLB (m^2), far above every front.</summary>
    protected const double CrlbCeiling = 1e4;

    private static readonly IsacScenario Scenario = new();

    /// <summary>Scenario settings on top of the paper's defaults.</summary>
    protected IReadOnlyList<KeyValuePair<string, string>> Overrides { get; } = overrides;

    /// <summary>Solver settings.</summary>
    protected BoblrbfOptions Options { get; } = options;

    /// <summary>The instance of <paramref name="seed"/> with <paramref name="extra"/> settings.</summary>
    protected IsacNetwork Network(ulong seed, params KeyValuePair<string, string>[] extra)
        => Scenario.CreateNetwork(Scenario.Resolve([.. Overrides, .. extra]), seed, 0);

    /// <summary>The setup sentence shared by both reproductions.</summary>
    protected string SetupText(string sweep) => string.Create(CultureInfo.InvariantCulture,
        $"isac scenario ({(Overrides.Count == 0 ? "the paper's setup: L = 3, N = 5, one user per BS, targets (2, 5) and (-5, 1) m" : string.Join(", ", Overrides.Select(o => $"{o.Key}={o.Value}")))}), configuration 0 of the seed; BOBLRBF with K = {Options.Preferences} preference vectors, at most {Options.MaxIterations} iterations each, cuts every {Options.CutPeriod}, K_GD = {Options.LowerLevelSteps}; {sweep}; WSR is the worst case within the error balls ({Options.WorstCaseIterations} lower-level iterations), CRLB in m^2; hypervolume = area dominated in (WSR, log10 CRLB) from (0, log10 {CrlbCeiling})");

    /// <summary>One front per swept value (its instance and eps from <paramref name="instance"/>), each reported as a row.</summary>
    protected List<IReadOnlyList<IsacSolution>> SolveFronts(
        double[] values,
        Func<double, (IsacNetwork Network, double Eps)> instance,
        string key,
        Func<double, string> label,
        List<ReproductionRow> rows,
        IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        var fronts = new List<IReadOnlyList<IsacSolution>>();
        foreach (var value in values)
        {
            var (network, eps) = instance(value);
            var front = BoblrbfSolver.SolveFront(network, eps, Options, cancellationToken: cancellationToken);
            fronts.Add(front);
            rows.Add(FrontRow(label(value), key, value, front));
            progress?.Report(rows.Count);
        }

        return fronts;
    }

    /// <summary>One row per front: its non-dominated count against 1 (a trade-off, not a point), with every point in the numbers.</summary>
    private static ReproductionRow FrontRow(string label, string key, double value, IReadOnlyList<IsacSolution> solutions)
    {
        var extra = new Dictionary<string, double>
        {
            [key] = value,
            ["points"] = solutions.Count,
            ["hypervolume"] = ParetoFront.Hypervolume(solutions, 0, CrlbCeiling),
        };
        var ordered = solutions.OrderBy(s => s.Crlb).ToArray();
        for (var k = 0; k < ordered.Length; k++)
        {
            extra[$"crlb{k}"] = ordered[k].Crlb;
            extra[$"wsr{k}"] = ordered[k].WorstCaseWsr;
            extra[$"nominalWsr{k}"] = ordered[k].NominalWsr;
        }

        return new ReproductionRow($"{label}: non-dominated solutions out of {solutions.Count}", ParetoFront.NonDominated(solutions).Count, 1, 0, extra, RowCheck.Above);
    }
}

/// <summary>Paper 002, Fig. 3: fronts for several CSI error bounds; a larger bound lowers both objectives; robust beats eps = 0 under the error.</summary>
internal sealed class IsacParetoReproduction(IReadOnlyList<KeyValuePair<string, string>> overrides, BoblrbfOptions options, double[] errors)
    : IsacFrontReproduction(overrides, options)
{
    public IsacParetoReproduction()
        : this([], new BoblrbfOptions { Preferences = 8, MaxIterations = 600 }, [0, 0.05, 0.1])
    {
    }

    public override string Name => "isac-pareto";

    public override string Paper => "paper 002 (robust ISAC, BOBLRBF), Fig. 3: WSR against CRLB for several CSI uncertainty regions";

    public override string Setup => SetupText(string.Create(CultureInfo.InvariantCulture,
        $"eps = {string.Join(", ", errors)} (||Delta|| <= eps ||h~||) at P = 40 dBm; rows: per eps its front; per step of eps the fall of the hypervolume and of the best worst-case WSR (claim: both objectives worsen, above 0); the eps = 0 designs under the largest eps's worst-case error against that eps's front (claim: the robust design keeps more rate, above 0)"));

    public override int WorkUnits => errors.Length + 1;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var network = Network(seed);
        var rows = new List<ReproductionRow>();
        var fronts = SolveFronts(errors, eps => (network, eps), "eps", eps => string.Create(CultureInfo.InvariantCulture, $"eps = {eps}"), rows, progress, cancellationToken);

        for (var i = 0; i + 1 < errors.Length; i++)
        {
            var (small, large) = (fronts[i], fronts[i + 1]);
            rows.Add(new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"hypervolume at eps {errors[i]} - at eps {errors[i + 1]} (both objectives worsen)"),
                ParetoFront.Hypervolume(small, 0, CrlbCeiling) - ParetoFront.Hypervolume(large, 0, CrlbCeiling),
                0,
                0,
                null,
                RowCheck.Above));
            rows.Add(new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"best worst-case WSR at eps {errors[i]} - at eps {errors[i + 1]} (bps/Hz)"),
                small.Max(s => s.WorstCaseWsr) - large.Max(s => s.WorstCaseWsr),
                0,
                0,
                new Dictionary<string, double> { ["bestCrlbSmallerEps"] = small.Min(s => s.Crlb), ["bestCrlbLargerEps"] = large.Min(s => s.Crlb) },
                RowCheck.Above));
        }

        var nominal = Array.IndexOf(errors, 0.0);
        if (nominal >= 0 && errors.Length > 1)
        {
            // The eps = 0 designs exposed to the largest eps's worst-case error, against the front designed for it.
            var largest = errors.Max();
            var radii = IsacCommunication.ErrorRadii(network, largest);
            var exposed = fronts[nominal].Select(design => design with
            {
                WorstCaseWsr = IsacCommunication.WorstCaseErrors(network, design.Beams, radii, Options.WorstCaseIterations, keepLowest: true, new double[network.ErrorLength]),
            }).ToArray();
            var robust = fronts[Array.IndexOf(errors, largest)];
            rows.Add(new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"eps {largest}: hypervolume under the worst-case error, robust front - eps = 0 designs"),
                ParetoFront.Hypervolume(robust, 0, CrlbCeiling) - ParetoFront.Hypervolume(exposed, 0, CrlbCeiling),
                0,
                0,
                new Dictionary<string, double>
                {
                    ["robustHypervolume"] = ParetoFront.Hypervolume(robust, 0, CrlbCeiling),
                    ["nominalDesignsHypervolume"] = ParetoFront.Hypervolume(exposed, 0, CrlbCeiling),
                    ["nominalDesignsBestWorstCaseWsr"] = exposed.Max(s => s.WorstCaseWsr),
                    ["robustBestWorstCaseWsr"] = robust.Max(s => s.WorstCaseWsr),
                },
                RowCheck.Above));
        }

        progress?.Report(WorkUnits);
        return rows;
    }
}

/// <summary>Paper 002, Fig. 4: fronts for several power budgets; more power improves both objectives.</summary>
internal sealed class IsacPowerReproduction(IReadOnlyList<KeyValuePair<string, string>> overrides, BoblrbfOptions options, double[] budgetsDbm, double eps)
    : IsacFrontReproduction(overrides, options)
{
    public IsacPowerReproduction()
        : this([], new BoblrbfOptions { Preferences = 8, MaxIterations = 200 }, [10, 20, 30, 40], 0.05)
    {
    }

    public override string Name => "isac-power";

    public override string Paper => "paper 002 (robust ISAC, BOBLRBF), Fig. 4: WSR against CRLB for several power budgets";

    public override string Setup => SetupText(string.Create(CultureInfo.InvariantCulture,
        $"P = {string.Join(", ", budgetsDbm)} dBm per BS at eps = {eps}; rows: per P its front; per step of P the gain in hypervolume, in best worst-case WSR and the ratio of best CRLBs (claim: more power improves both, above 0 / above 1)"));

    public override int WorkUnits => budgetsDbm.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var fronts = SolveFronts(
            budgetsDbm,
            power => (Network(seed, new KeyValuePair<string, string>("powerDbm", power.ToString(CultureInfo.InvariantCulture))), eps),
            "powerDbm",
            power => string.Create(CultureInfo.InvariantCulture, $"P = {power} dBm"),
            rows,
            progress,
            cancellationToken);

        for (var i = 0; i + 1 < budgetsDbm.Length; i++)
        {
            var (low, high) = (fronts[i], fronts[i + 1]);
            var step = string.Create(CultureInfo.InvariantCulture, $"{budgetsDbm[i + 1]} dBm vs {budgetsDbm[i]} dBm");
            rows.Add(new ReproductionRow($"{step}: hypervolume gain", ParetoFront.Hypervolume(high, 0, CrlbCeiling) - ParetoFront.Hypervolume(low, 0, CrlbCeiling), 0, 0, null, RowCheck.Above));
            rows.Add(new ReproductionRow($"{step}: best worst-case WSR gain (bps/Hz)", high.Max(s => s.WorstCaseWsr) - low.Max(s => s.WorstCaseWsr), 0, 0, null, RowCheck.Above));
            rows.Add(new ReproductionRow($"{step}: best CRLB, lower / higher power", low.Min(s => s.Crlb) / high.Min(s => s.Crlb), 1, 0, null, RowCheck.Above));
        }

        return rows;
    }
}
