using System.Globalization;
using Controller.Grains;
using Controller.Optimization.Dbinum;
using Controller.Grains.Hosting;
using Controller.Host.Hosting;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 000 Sec. 8.1, Figure 2: three users share one link of capacity P = 100; their true utilities are
/// alpha-fair with a~ = (1/2, 2/3, 2/3) and unknown to the network, which learns alpha-fair surrogates from
/// feedback. DBiNUM should reach the known-utility NUM solution: Psi 31.77, x = (57.9, 20.99, 20.99), and
/// alpha_i / alpha_1 = a~_i / a~_1 = 4/3 (only ratios are identifiable). Run once with gradient feedback and
/// once with value-only feedback (two-point estimator). Each run is made twice in lockstep: by
/// <see cref="DbinumSolver"/>, and through user grains (alpha, x, v) and a link grain (price state) driven by
/// <see cref="DbinumGrainRun"/>; the two must agree in every round.
/// </summary>
internal sealed class DbinumSingleLinkReproduction : Reproduction
{
    private const double Capacity = 100;
    private const double BarrierWeight = 0.01;
    private const int GradientRounds = 20_000;
    private const int ValueRounds = 100_000;
    private const int StepsPerRound = 20;
    private const double GradientAlphaStep = 3e-4;
    private const double ValueAlphaStep = 5e-5;
    private const int ProgressChunks = 10;
    private const double SameNumbers = 1e-12;
    private const string CellId = "r000/c00";
    private static readonly double[] TrueAlpha = [0.5, 2.0 / 3, 2.0 / 3];

    public override string Name => "dbinum-single-link";

    public override string Paper => "paper 000 (DBiNUM), Sec. 8.1, Figure 2 (n = 3)";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"num-single-link (defaults): one link P = {Capacity}, tau = {BarrierWeight}; true utilities alpha-fair a~ = (1/2, 2/3, 2/3); surrogates start at alpha = 1, x = P/6 each; T = {StepsPerRound} warm-started Jacobi-scaled steps per round (s = 0.5), eta = 0.3, eps = 1e-6, A = [0.001, 100]; gradient feedback: {GradientRounds} rounds, beta = {GradientAlphaStep}, values at the last round; value feedback (two-point, delta = 0.01): {ValueRounds} rounds, beta = {ValueAlphaStep}, values averaged over the last quarter of rounds; tolerances: Psi 0.1, x 0.5 (gradient) / 1.0 (value), alpha ratios 0.02 / 0.03; each run also goes through user grains r000/u000-u002 and link grain {CellId} (a one-region synthetic topology, in-memory state) in lockstep with the solver, whose Psi, x, v and alpha must agree in every round within {SameNumbers}");

    public override int WorkUnits => 2 * ProgressChunks;

    // Reproduction.Run is synchronous, as the CLI action that calls it; the grain run is asynchronous. It runs
    // on the thread pool and this waits for it: no synchronization context its continuations could need is held.
    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
        => Task.Run(() => RunAsync(seed, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<ReproductionRow>> RunAsync(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        // Paper 000's link is a cell of a synthetic one-region topology; its users are the cell's users.
        var network = new SingleLinkScenario().CreateNetwork();
        var plane = DbinumControlPlane.Create(DbinumControlPlane.Network(network));
        var rows = new List<ReproductionRow>();
        var gradient = await SolveAsync(plane, network, gradientFeedback: true, GradientRounds, alphaStep: GradientAlphaStep, seed, progress, 0, cancellationToken).ConfigureAwait(false);
        AddRows(rows, "gradient", gradient, xTolerance: 0.5, ratioTolerance: 0.02);
        var value = await SolveAsync(plane, network, gradientFeedback: false, ValueRounds, alphaStep: ValueAlphaStep, seed, progress, ProgressChunks, cancellationToken).ConfigureAwait(false);
        AddRows(rows, "value", value, xTolerance: 1.0, ratioTolerance: 0.03);
        return rows;
    }

    private static void AddRows(List<ReproductionRow> rows, string feedback, Comparison comparison, double xTolerance, double ratioTolerance)
    {
        AddRows(rows, $"{feedback}: ", comparison.Solver, xTolerance, ratioTolerance);
        AddRows(rows, $"{feedback}, grains: ", comparison.Grains, xTolerance, ratioTolerance);
        var extra = new Dictionary<string, double> { ["trueUtility"] = comparison.Grains.TrueUtility, ["rounds"] = comparison.Grains.Rounds };
        rows.Add(new ReproductionRow($"{feedback}: grains vs solver, largest |difference|", comparison.LargestDifference, 0, SameNumbers, extra));
    }

    private static void AddRows(List<ReproductionRow> rows, string prefix, Outcome outcome, double xTolerance, double ratioTolerance)
    {
        var extra = new Dictionary<string, double> { ["trueUtility"] = outcome.TrueUtility, ["rounds"] = outcome.Rounds };
        rows.Add(new ReproductionRow($"{prefix}true utility Psi", outcome.TrueUtility, 31.77, 0.1, extra));
        rows.Add(new ReproductionRow($"{prefix}x1", outcome.Rates[0], 57.9, xTolerance, extra));
        rows.Add(new ReproductionRow($"{prefix}x2", outcome.Rates[1], 20.99, xTolerance, extra));
        rows.Add(new ReproductionRow($"{prefix}x3", outcome.Rates[2], 20.99, xTolerance, extra));
        rows.Add(new ReproductionRow($"{prefix}alpha2/alpha1", outcome.AlphaRatios[0], TrueAlpha[1] / TrueAlpha[0], ratioTolerance, extra));
        rows.Add(new ReproductionRow($"{prefix}alpha3/alpha1", outcome.AlphaRatios[1], TrueAlpha[2] / TrueAlpha[0], ratioTolerance, extra));
    }

    // The same rounds twice in lockstep: by DbinumSolver, and through the user and link grains of a fresh
    // silo (in-memory storage). Every round's Psi, x, v and alpha of the two are compared.
    private static async Task<Comparison> SolveAsync(
        ControlPlaneSetup plane, DbinumNetwork network, bool gradientFeedback, int rounds, double alphaStep, ulong seed, IProgress<int>? progress, int progressOffset, CancellationToken cancellationToken)
    {
        var options = new DbinumOptions { AlphaStep = alphaStep, PrimalStepsPerRound = StepsPerRound };
        // Every user starts at alpha = 1 and x = P / 6; value feedback probes at radius 0.01.
        var users = network.Users(initialAlpha: 1, valueSmoothing: gradientFeedback ? null : 0.01);
        var solver = new DbinumSolver(network.Links, users, options, seed);
        var silo = await ControllerHost.StartAsync(new SiloSettings { Control = plane }.WithFreePorts(), "none", controllerLogs: false, cancellationToken).ConfigureAwait(false);
        await using var _ = silo.ConfigureAwait(false);
        var grains = await DbinumGrainRun.StartAsync(silo.Grains, DbinumControlPlane.Links(network), DbinumControlPlane.Users(users), options, seed, cancellationToken).ConfigureAwait(false);

        // Gradient feedback converges: report the last round. Value feedback keeps estimator noise in the
        // iterates: report their mean over the last quarter (Polyak averaging), as stated in the setup.
        var averageFrom = gradientFeedback ? rounds - 1 : rounds - (rounds / 4);
        var solverMean = new RunningMean(users.Length);
        var grainsMean = new RunningMean(users.Length);
        var largestDifference = 0.0;
        var chunk = rounds / ProgressChunks;
        for (var k = 0; k < rounds; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var utility = solver.RunRound();
            var grainUtility = await grains.RunRoundAsync(cancellationToken).ConfigureAwait(false);
            // Math.Max keeps a NaN, so a run that breaks down cannot pass as equal.
            largestDifference = Math.Max(largestDifference, Math.Abs(utility - grainUtility));
            for (var r = 0; r < users.Length; r++)
            {
                var (expected, obtained) = (solver.Users[r], grains.Users[r]);
                largestDifference = Math.Max(largestDifference, Math.Abs(expected.Rate - obtained.Rate));
                largestDifference = Math.Max(largestDifference, Math.Abs(expected.Auxiliary - obtained.Auxiliary));
                largestDifference = Math.Max(largestDifference, Math.Abs(expected.Alpha - obtained.Alpha));
            }

            if (k >= averageFrom)
            {
                solverMean.Add(utility, r => solver.Users[r].Rate, r => solver.Users[r].Alpha);
                grainsMean.Add(grainUtility, r => grains.Users[r].Rate, r => grains.Users[r].Alpha);
            }

            if ((k + 1) % chunk == 0)
            {
                progress?.Report(progressOffset + ((k + 1) / chunk));
            }
        }

        return new Comparison(solverMean.Outcome(rounds), grainsMean.Outcome(rounds), largestDifference);
    }

    private sealed record Outcome(double TrueUtility, double[] Rates, double[] AlphaRatios, int Rounds);

    private sealed record Comparison(Outcome Solver, Outcome Grains, double LargestDifference);

    // Psi, the rates and the ratios alpha_r / alpha_1 summed over the reported rounds.
    private sealed class RunningMean(int users)
    {
        private readonly double[] _rates = new double[users];
        private readonly double[] _ratios = new double[users - 1];
        private double _utility;
        private int _count;

        public void Add(double utility, Func<int, double> rate, Func<int, double> alpha)
        {
            _utility += utility;
            for (var r = 0; r < _rates.Length; r++)
            {
                _rates[r] += rate(r);
            }

            for (var r = 1; r < _rates.Length; r++)
            {
                _ratios[r - 1] += alpha(r) / alpha(0);
            }

            _count++;
        }

        public Outcome Outcome(int rounds)
            => new(_utility / _count, [.. _rates.Select(x => x / _count)], [.. _ratios.Select(x => x / _count)], rounds);
    }
}
