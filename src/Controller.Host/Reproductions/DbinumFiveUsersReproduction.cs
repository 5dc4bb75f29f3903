using System.Globalization;
using Controller.Optimization.Dbinum;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 000 Sec. 8.1, Figure 3: five users share one link of capacity P = 100 (scenario <c>num-single-link</c>,
/// users=5), true utilities alpha-fair with a~ = (1/2, 2/5, 3/5, 2/3, 2/3). The text gives user 2 -> 45.9 and
/// users 4, 5 -> 9.9; the rest (x1, x3, Psi) is the known-utility NUM optimum, computed here. DBiNUM learns
/// alpha-fair surrogates from gradient feedback; standard NUM keeps every surrogate at alpha = 2 (the
/// paper's baseline of Sec. 8.2; on one link any common alpha splits the capacity evenly).
/// </summary>
internal sealed class DbinumFiveUsersReproduction : Reproduction
{
    private const int Rounds = 40_000;
    private const int BaselineRounds = 200;
    private const double AlphaStep = 3e-5;
    private static readonly double[] TrueAlpha = [0.5, 0.4, 0.6, 2.0 / 3, 2.0 / 3];
    private static readonly DbinumOptions Options = new() { AlphaStep = AlphaStep, PrimalStepsPerRound = 20 };

    public override string Name => "dbinum-five-users";

    public override string Paper => "paper 000 (DBiNUM), Sec. 8.1, Figure 3 (n = 5)";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"num-single-link users=5 trueAlphas=1/2,2/5,3/5,2/3,2/3, P = 100, tau = 0.01; gradient feedback; surrogates start at alpha = 1, x = P/10 each; T = {Options.PrimalStepsPerRound} warm-started Jacobi-scaled steps per round (s = {Options.PrimalStepScale}), eta = {Options.AuxiliaryStep}, beta = {AlphaStep}, eps = {Options.Regularization}, A = [{Options.AlphaMin}, {Options.AlphaMax}]; {Rounds} rounds, values at the last round; x1, x3 and Psi against the known-utility NUM optimum (no barrier), which the text does not print; standard NUM: every alpha fixed at {DbinumRuns.StandardNumAlpha}, {BaselineRounds} rounds; tolerances: Psi 0.1, x 0.5, alpha ratios 0.03");

    public override int WorkUnits => 2;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var scenario = new SingleLinkScenario();
        var network = scenario.CreateNetwork(scenario.Resolve(
            [new("users", "5"), new("trueAlphas", string.Join(',', TrueAlpha.Select(a => a.ToString("R", CultureInfo.InvariantCulture))))]));
        var dbinum = DbinumRuns.Run(new DbinumSolver(network.Links, network.Users(initialAlpha: 1), Options, seed), Rounds, cancellationToken);
        progress?.Report(1);
        var standard = DbinumRuns.Run(new DbinumSolver(network.Links, network.Users(DbinumRuns.StandardNumAlpha), DbinumRuns.StandardNum(Options), seed), BaselineRounds, cancellationToken);
        progress?.Report(2);

        var optimum = KnownUtilityOptimum(network.Links[0].Capacity);
        var optimumUtility = network.TrueUtility(optimum);
        var fields = new Dictionary<string, double>
        {
            ["trueUtility"] = dbinum.FinalUtility,
            ["standardNumTrueUtility"] = standard.FinalUtility,
            ["knownUtilityOptimum"] = optimumUtility,
            ["rounds"] = Rounds,
        };
        DbinumRuns.AddSeries(fields, "dbinumPsi", dbinum.Rounds, i => dbinum.Utility[i]);
        for (var r = 0; r < TrueAlpha.Length; r++)
        {
            var user = r;
            DbinumRuns.AddSeries(fields, string.Create(CultureInfo.InvariantCulture, $"x{r + 1}"), dbinum.Rounds, i => dbinum.Rates[i][user]);
            fields[string.Create(CultureInfo.InvariantCulture, $"alpha{r + 1}")] = dbinum.Alphas[r];
        }

        var x = dbinum.FinalRates;
        var extra = new Dictionary<string, double> { ["trueUtility"] = dbinum.FinalUtility, ["rounds"] = Rounds };
        return
        [
            new("Psi (known-utility NUM optimum; not in the text)", dbinum.FinalUtility, optimumUtility, 0.1, fields),
            new("x1 (known-utility optimum)", x[0], optimum[0], 0.5, extra),
            new("x2 (paper: 45.9)", x[1], 45.9, 0.5, extra),
            new("x3 (known-utility optimum)", x[2], optimum[2], 0.5, extra),
            new("x4 (paper: 9.9)", x[3], 9.9, 0.5, extra),
            new("x5 (paper: 9.9)", x[4], 9.9, 0.5, extra),
            .. Enumerable.Range(1, TrueAlpha.Length - 1).Select(r => new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"alpha{r + 1}/alpha1 (a~{r + 1}/a~1)"), dbinum.Alphas[r] / dbinum.Alphas[0], TrueAlpha[r] / TrueAlpha[0], 0.03, extra)),
            new(string.Create(CultureInfo.InvariantCulture, $"Psi above standard NUM (alpha = {DbinumRuns.StandardNumAlpha})"), dbinum.FinalUtility, standard.FinalUtility, 0, extra, RowCheck.Above),
        ];
    }

    // Known-utility NUM on one link: x_r = p^(-1/a~_r) with sum x = P; p by bisection on a log scale.
    private static double[] KnownUtilityOptimum(double capacity)
    {
        double Load(double price) => TrueAlpha.Sum(a => Math.Pow(price, -1 / a));
        var (low, high) = (1e-12, 1e12);
        for (var i = 0; i < 200; i++)
        {
            var middle = Math.Sqrt(low * high);
            (low, high) = Load(middle) > capacity ? (middle, high) : (low, middle);
        }

        return [.. TrueAlpha.Select(a => Math.Pow(low, -1 / a))];
    }
}
