using System.Globalization;
using Controller.Optimization.Dbinum;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 000 Sec. 8.1, Figure 2: three users share one link of capacity P = 100; their true utilities are
/// alpha-fair with a~ = (1/2, 2/3, 2/3) and unknown to the network, which learns alpha-fair surrogates from
/// feedback. DBiNUM should reach the known-utility NUM solution: Psi 31.77, x = (57.9, 20.99, 20.99), and
/// alpha_i / alpha_1 = a~_i / a~_1 = 4/3 (only ratios are identifiable). Run once with gradient feedback and
/// once with value-only feedback (two-point estimator).
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
    private static readonly double[] TrueAlpha = [0.5, 2.0 / 3, 2.0 / 3];

    public override string Name => "dbinum-single-link";

    public override string Paper => "paper 000 (DBiNUM), Sec. 8.1, Figure 2 (n = 3)";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"one link P = {Capacity}, tau = {BarrierWeight}; true utilities alpha-fair a~ = (1/2, 2/3, 2/3); surrogates start at alpha = 1, x = P/6 each; T = {StepsPerRound} warm-started Jacobi-scaled steps per round (s = 0.5), eta = 0.3, eps = 1e-6, A = [0.001, 100]; gradient feedback: {GradientRounds} rounds, beta = {GradientAlphaStep}, values at the last round; value feedback (two-point, delta = 0.01): {ValueRounds} rounds, beta = {ValueAlphaStep}, values averaged over the last quarter of rounds; tolerances: Psi 0.1, x 0.5 (gradient) / 1.0 (value), alpha ratios 0.02 / 0.03");

    public override int WorkUnits => 2 * ProgressChunks;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        var gradient = Solve(gradientFeedback: true, GradientRounds, alphaStep: GradientAlphaStep, seed, progress, 0, cancellationToken);
        AddRows(rows, "gradient", gradient, xTolerance: 0.5, ratioTolerance: 0.02);
        var value = Solve(gradientFeedback: false, ValueRounds, alphaStep: ValueAlphaStep, seed, progress, ProgressChunks, cancellationToken);
        AddRows(rows, "value", value, xTolerance: 1.0, ratioTolerance: 0.03);
        return rows;
    }

    private static void AddRows(List<ReproductionRow> rows, string feedback, Outcome outcome, double xTolerance, double ratioTolerance)
    {
        var extra = new Dictionary<string, double> { ["trueUtility"] = outcome.TrueUtility, ["rounds"] = outcome.Rounds };
        rows.Add(new ReproductionRow($"{feedback}: true utility Psi", outcome.TrueUtility, 31.77, 0.1, extra));
        rows.Add(new ReproductionRow($"{feedback}: x1", outcome.Rates[0], 57.9, xTolerance, extra));
        rows.Add(new ReproductionRow($"{feedback}: x2", outcome.Rates[1], 20.99, xTolerance, extra));
        rows.Add(new ReproductionRow($"{feedback}: x3", outcome.Rates[2], 20.99, xTolerance, extra));
        rows.Add(new ReproductionRow($"{feedback}: alpha2/alpha1", outcome.AlphaRatios[0], TrueAlpha[1] / TrueAlpha[0], ratioTolerance, extra));
        rows.Add(new ReproductionRow($"{feedback}: alpha3/alpha1", outcome.AlphaRatios[1], TrueAlpha[2] / TrueAlpha[0], ratioTolerance, extra));
    }

    private static Outcome Solve(bool gradientFeedback, int rounds, double alphaStep, ulong seed, IProgress<int>? progress, int progressOffset, CancellationToken cancellationToken)
    {
        var options = new DbinumOptions { AlphaStep = alphaStep, PrimalStepsPerRound = StepsPerRound };
        var users = TrueAlpha.Select(a =>
        {
            var feedback = gradientFeedback
                ? UtilityFeedback.FromGradient(x => AlphaFairUtility.Derivative(x, a), x => AlphaFairUtility.Value(x, a))
                : UtilityFeedback.FromValue(x => AlphaFairUtility.Value(x, a), smoothing: 0.01);
            return new DbinumUser(feedback, [0], InitialAlpha: 1, InitialRate: Capacity / (2 * TrueAlpha.Length));
        }).ToArray();
        var solver = new DbinumSolver([new DbinumLink(Capacity, BarrierWeight)], users, options, seed);

        // Gradient feedback converges: report the last round. Value feedback keeps estimator noise in the
        // iterates: report their mean over the last quarter (Polyak averaging), as stated in the setup.
        var averageFrom = gradientFeedback ? rounds - 1 : rounds - (rounds / 4);
        var psi = 0.0;
        var rates = new double[users.Length];
        var ratios = new double[users.Length - 1];
        var chunk = rounds / ProgressChunks;
        for (var k = 0; k < rounds; k++)
        {
            if (k % 1000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var utility = solver.RunRound();
            if (k >= averageFrom)
            {
                psi += utility;
                for (var r = 0; r < users.Length; r++)
                {
                    rates[r] += solver.Users[r].Rate;
                }

                for (var r = 1; r < users.Length; r++)
                {
                    ratios[r - 1] += solver.Users[r].Alpha / solver.Users[0].Alpha;
                }
            }

            if ((k + 1) % chunk == 0)
            {
                progress?.Report(progressOffset + ((k + 1) / chunk));
            }
        }

        var count = rounds - averageFrom;
        return new Outcome(psi / count, rates.Select(x => x / count).ToArray(), ratios.Select(x => x / count).ToArray(), rounds);
    }

    private sealed record Outcome(double TrueUtility, double[] Rates, double[] AlphaRatios, int Rounds);
}
