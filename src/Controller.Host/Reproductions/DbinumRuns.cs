using System.Globalization;
using Controller.Grains;
using Controller.Grains.Hosting;
using Controller.Host.Hosting;
using Controller.Optimization.Dbinum;

namespace Controller.Host.Reproductions;

/// <summary>
/// What paper 000's network reproductions share: a run of DBiNUM (or of standard NUM, the same solver with A
/// collapsed to one alpha) sampled as a rounds-vs-utility curve, the curve as row fields for the charts, and a
/// lockstep run through user and link grains that must give the solver's numbers exactly.
/// </summary>
internal static class DbinumRuns
{
    /// <summary>Field prefix of a sampled curve: <c>{series}Round{k:00000}</c> is the series' value after round k.</summary>
    public const string RoundTag = "Round";

    /// <summary>The alpha of standard NUM's fixed surrogates (paper 000 Sec. 8.2: "alpha-fairness utility function with alpha = 2").</summary>
    public const double StandardNumAlpha = 2;

    // Points of a sampled curve besides the start: enough for a smooth chart, few enough for a JSON row.
    private const int CurveSamples = 200;

    /// <summary>
    /// Standard NUM with fixed surrogates (the paper's baseline, Sec. 8.2): every user alpha-fair with
    /// <see cref="StandardNumAlpha"/>, never learned, i.e. A = {2}. Its users must start at that alpha.
    /// </summary>
    public static DbinumOptions StandardNum(DbinumOptions options) => options with { AlphaMin = StandardNumAlpha, AlphaMax = StandardNumAlpha };

    /// <summary>Runs <paramref name="rounds"/> rounds, sampling Psi and the rates after round 0 (the start) and about 200 more rounds.</summary>
    public static Curve Run(DbinumSolver solver, int rounds, CancellationToken cancellationToken)
    {
        var every = Math.Max(1, rounds / CurveSamples);
        var sampled = new List<int>();
        var utility = new List<double>();
        var rates = new List<double[]>();
        void Sample(int round, double psi)
        {
            sampled.Add(round);
            utility.Add(psi);
            rates.Add([.. solver.Users.Select(u => u.Rate)]);
        }

        Sample(0, solver.TrueUtility());
        for (var k = 1; k <= rounds; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var psi = solver.RunRound();
            if (k % every == 0 || k == rounds)
            {
                Sample(k, psi);
            }
        }

        return new Curve([.. sampled], [.. utility], [.. rates], [.. solver.Users.Select(u => u.Alpha)]);
    }

    /// <summary>A fresh silo (in-memory state, no API) whose topology is <paramref name="network"/>'s links and flows.</summary>
    public static Task<ControllerHost> StartSiloAsync(DbinumNetwork network, CancellationToken cancellationToken)
        => ControllerHost.StartAsync(
            new SiloSettings { Control = DbinumControlPlane.Create(DbinumControlPlane.Network(network)) }.WithFreePorts(), "none", controllerLogs: false, cancellationToken);

    /// <summary>
    /// The first <paramref name="rounds"/> rounds of a run made twice in lockstep, by <see cref="DbinumSolver"/> and
    /// through the user and link grains of <paramref name="silo"/> (joining restarts them); the largest |difference|
    /// of Psi, x, v and alpha.
    /// </summary>
    public static async Task<double> GrainsAgainstSolverAsync(
        ControllerHost silo, DbinumNetwork network, DbinumUser[] users, DbinumOptions options, ulong seed, int rounds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var solver = new DbinumSolver(network.Links, users, options, seed);
        var grains = await DbinumGrainRun.StartAsync(silo.Grains, DbinumControlPlane.Links(network), DbinumControlPlane.Users(users), options, seed, cancellationToken).ConfigureAwait(false);
        var largest = 0.0;
        for (var k = 0; k < rounds; k++)
        {
            // Math.Max keeps a NaN, so a run that breaks down cannot pass as equal.
            largest = Math.Max(largest, Math.Abs(solver.RunRound() - await grains.RunRoundAsync(cancellationToken).ConfigureAwait(false)));
            for (var r = 0; r < users.Length; r++)
            {
                var (expected, obtained) = (solver.Users[r], grains.Users[r]);
                largest = Math.Max(largest, Math.Abs(expected.Rate - obtained.Rate));
                largest = Math.Max(largest, Math.Abs(expected.Auxiliary - obtained.Auxiliary));
                largest = Math.Max(largest, Math.Abs(expected.Alpha - obtained.Alpha));
            }
        }

        return largest;
    }

    /// <summary>Row fields of a sampled series: <c>{series}Round{k:00000}</c>.</summary>
    public static void AddSeries(Dictionary<string, double> fields, string series, IReadOnlyList<int> rounds, Func<int, double> value)
    {
        for (var i = 0; i < rounds.Count; i++)
        {
            fields[string.Create(CultureInfo.InvariantCulture, $"{series}{RoundTag}{rounds[i]:00000}")] = value(i);
        }
    }

    /// <summary>The series <paramref name="series"/> back from row fields, ordered by round; empty when absent.</summary>
    public static (double[] Rounds, double[] Values) ReadSeries(IReadOnlyDictionary<string, double> fields, string series)
    {
        var stem = series + RoundTag;
        var points = fields
            .Where(f => f.Key.Length > stem.Length && f.Key.StartsWith(stem, StringComparison.Ordinal) && f.Key[stem.Length..].All(char.IsAsciiDigit))
            .Select(f => (Round: double.Parse(f.Key[stem.Length..], CultureInfo.InvariantCulture), f.Value))
            .OrderBy(p => p.Round)
            .ToArray();
        return ([.. points.Select(p => p.Round)], [.. points.Select(p => p.Value)]);
    }

    /// <summary>A sampled run: the rounds, Psi and the rates after each, and the final alphas.</summary>
    public sealed record Curve(int[] Rounds, double[] Utility, double[][] Rates, double[] Alphas)
    {
        /// <summary>Psi after the last round.</summary>
        public double FinalUtility => Utility[^1];

        /// <summary>The rates after the last round.</summary>
        public double[] FinalRates => Rates[^1];
    }
}
