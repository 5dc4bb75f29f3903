using System.Globalization;
using Controller.Optimization.Dbinum;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 000 Sec. 8.2, Figures 5 and 6: scenario <c>num-abilene</c> (Abilene backbone, four flows with
/// quadratic, square-root, log and s-shape true utilities, P = 20, tau = 0.01, A = [1.01, 100]) with both
/// parameter sets. DBiNUM learns alpha-fair surrogates from gradient feedback, starting from the baseline's
/// alpha = 2; standard NUM keeps alpha = 2 for every flow. The text's numbers (DBiNUM 1127.06, standard NUM
/// 229.40, "in Figure 5") are compared with both sets; the routes are assumed (see <see cref="AbileneScenario"/>).
/// The first rounds of each run also go through link and user grains, which must give the solver's numbers.
/// </summary>
internal sealed class DbinumAbileneReproduction : Reproduction
{
    /// <summary>The text's DBiNUM value "in Figure 5".</summary>
    public const double PaperDbinum = 1127.06;

    /// <summary>The text's standard-NUM value "in Figure 5".</summary>
    public const double PaperStandardNum = 229.40;

    private const int Rounds = 2_000;
    private const int GrainRounds = 40;
    private const double AlphaStep = 0.1;
    private const double RelativeTolerance = 0.05;
    private static readonly DbinumOptions Options = new() { AlphaStep = AlphaStep, PrimalStepsPerRound = 20, AlphaMin = 1.01, AlphaMax = 100 };

    public override string Name => "dbinum-abilene";

    public override string Paper => "paper 000 (DBiNUM), Sec. 8.2, Figures 5 and 6 (Abilene, four flows)";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"num-abilene (14 links, P = 20, tau = 0.01; routes assumed: Seattle-New York, Sunnyvale-Atlanta, Los Angeles-Chicago, Denver-Washington on fewest-hop paths); fig. 5 set (a1, a2, b2, a3, b3, a4, b4) = (0.1, 5, 0.4, 4, 1, 0.8, 0.2), fig. 6 set (3, 0.5, 0.2, 0.5, 2, 1.8, 2); flow 4 s-shape; gradient feedback; start alpha = {DbinumRuns.StandardNumAlpha}, x = min over the route of P / (2 flows on the link); T = {Options.PrimalStepsPerRound} Jacobi-scaled steps per round (s = {Options.PrimalStepScale}), eta = {Options.AuxiliaryStep}, beta = {AlphaStep}, A = [{Options.AlphaMin}, {Options.AlphaMax}]; {Rounds} rounds, values at the last; standard NUM: alpha = {DbinumRuns.StandardNumAlpha} fixed, as many rounds; paper values within {RelativeTolerance * 100}%; the first {GrainRounds} rounds of each DBiNUM run also through 14 link grains and 4 user grains in lockstep with the solver (exact agreement)");

    public override int WorkUnits => 4;

    // Reproduction.Run is synchronous, as the CLI action that calls it; the grain run is asynchronous. It runs
    // on the thread pool and this waits for it: no synchronization context its continuations could need is held.
    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
        => Task.Run(() => RunAsync(seed, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<ReproductionRow>> RunAsync(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var done = 0;
        var scenario = new AbileneScenario();
        // Both parameter sets have the same links and flows, so one silo serves both (joining restarts the grains).
        var silo = await DbinumRuns.StartSiloAsync(scenario.CreateNetwork(), cancellationToken).ConfigureAwait(false);
        await using var _ = silo.ConfigureAwait(false);
        foreach (var (figure, parameters) in new[] { (5, AbileneScenario.Figure5), (6, AbileneScenario.Figure6) })
        {
            var network = scenario.CreateNetwork(scenario.Resolve(parameters));
            var dbinum = DbinumRuns.Run(new DbinumSolver(network.Links, network.Users(DbinumRuns.StandardNumAlpha), Options, seed), Rounds, cancellationToken);
            var standard = DbinumRuns.Run(new DbinumSolver(network.Links, network.Users(DbinumRuns.StandardNumAlpha), DbinumRuns.StandardNum(Options), seed), Rounds, cancellationToken);
            progress?.Report(++done);
            var grains = await DbinumRuns.GrainsAgainstSolverAsync(silo, network, network.Users(DbinumRuns.StandardNumAlpha), Options, seed, GrainRounds, cancellationToken).ConfigureAwait(false);
            progress?.Report(++done);
            rows.AddRange(Rows(figure, network, dbinum, standard, grains));
        }

        return rows;
    }

    private static List<ReproductionRow> Rows(int figure, DbinumNetwork network, DbinumRuns.Curve dbinum, DbinumRuns.Curve standard, double grains)
    {
        var fields = new Dictionary<string, double>
        {
            ["figure"] = figure,
            ["trueUtility"] = dbinum.FinalUtility,
            ["standardNumTrueUtility"] = standard.FinalUtility,
            ["ratio"] = dbinum.FinalUtility / standard.FinalUtility,
            ["utilityBound"] = network.UtilityBound(),
            ["rounds"] = Rounds,
        };
        DbinumRuns.AddSeries(fields, "dbinumPsi", dbinum.Rounds, i => dbinum.Utility[i]);
        DbinumRuns.AddSeries(fields, "standardNumPsi", standard.Rounds, i => standard.Utility[i]);
        for (var r = 0; r < network.Flows.Count; r++)
        {
            var flow = r;
            DbinumRuns.AddSeries(fields, string.Create(CultureInfo.InvariantCulture, $"x{r + 1}"), dbinum.Rounds, i => dbinum.Rates[i][flow]);
            fields[string.Create(CultureInfo.InvariantCulture, $"x{r + 1}")] = dbinum.FinalRates[r];
            fields[string.Create(CultureInfo.InvariantCulture, $"alpha{r + 1}")] = dbinum.Alphas[r];
            fields[string.Create(CultureInfo.InvariantCulture, $"standardNumX{r + 1}")] = standard.FinalRates[r];
        }

        var extra = new Dictionary<string, double> { ["figure"] = figure, ["trueUtility"] = dbinum.FinalUtility, ["standardNumTrueUtility"] = standard.FinalUtility };
        var prefix = string.Create(CultureInfo.InvariantCulture, $"fig. {figure} set: ");
        var rows = new List<ReproductionRow>
        {
            new(prefix + "DBiNUM Psi (text: 1127.06)", dbinum.FinalUtility, PaperDbinum, RelativeTolerance * PaperDbinum, fields),
            new(prefix + "standard NUM Psi (text: 229.40)", standard.FinalUtility, PaperStandardNum, RelativeTolerance * PaperStandardNum, extra),
            new(prefix + "DBiNUM Psi above standard NUM", dbinum.FinalUtility, standard.FinalUtility, 0, extra, RowCheck.Above),
        };
        if (figure == 5)
        {
            // Whatever the routes: no flow gets more than P, so no Psi of this set comes near the text's numbers.
            rows.Add(new(prefix + "largest Psi any allocation reaches (each flow alone at P), below the text's 1127.06", network.UtilityBound(), PaperDbinum, 0, extra, RowCheck.AtMost));
        }

        rows.Add(new(prefix + "grains vs solver, largest |difference|", grains, 0, 0, extra));
        return rows;
    }
}
