using System.Globalization;
using Controller.Host.Benchmarks;
using Controller.Learning.Isac;
using Controller.Optimization.Isac;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 002, Fig. 5: BOBLRBF against BOBLRBF-DNN, the front's quality (hypervolume in (worst-case WSR, log10 CRLB))
/// against iterations (BOBLRBF's iteration cap, the DNN's layers run) and against wall time. Each budget is a separate
/// run from the same start whose wall time is measured (BOBLRBF: <see cref="BoblrbfSolver.SolveFront"/> with anchors and
/// its K subproblems in parallel; the DNN: one batched pass over the K preferences on the CPU), both ending with the same
/// managed evaluation of every design. Then the paper's claims as rows. The DNN is the committed artifact unless
/// <see cref="ArtifactDirectory"/> names another.
/// </summary>
internal sealed class IsacConvergenceReproduction(
    IReadOnlyList<KeyValuePair<string, string>> overrides,
    int preferences,
    int[] iterationBudgets,
    int[] layerBudgets,
    int repetitions,
    string? artifactDirectory = null) : Reproduction
{
    /// <summary>The reference point of the hypervolumes: WSR 0 and this CRLB (m^2), as in isac-pareto.</summary>
    private const double CrlbCeiling = 1e4;

    /// <summary>Share of BOBLRBF's final hypervolume that "converged" means in the speed-up row.</summary>
    private const double ConvergedShare = 0.95;

    private static readonly IsacScenario Scenario = new();

    public IsacConvergenceReproduction()
        : this([], 8, [0, 1, 2, 5, 10, 20, 50, 100, 200], [0, 1, 2, 5, 10, 15, 20], 3)
    {
    }

    public override string Name => "isac-convergence";

    public override string Paper => "paper 002 (robust ISAC), Fig. 5: convergence of BOBLRBF and BOBLRBF-DNN against wall time and iterations";

    /// <summary>The DNN artifact used.</summary>
    public string ArtifactDirectory => artifactDirectory ?? BoblrbfDnnSolver.DefaultArtifactDirectory;

    public override string Setup => string.Create(CultureInfo.InvariantCulture,
        $"isac scenario ({(overrides.Count == 0 ? "the paper's setup: L = 3, N = 5, one user per BS, targets (2, 5) and (-5, 1) m, eps = 0.05" : string.Join(", ", overrides.Select(o => $"{o.Key}={o.Value}")))}), configuration 0 of the seed; K = {preferences} preference vectors; BOBLRBF capped at {string.Join(", ", iterationBudgets)} iterations (anchors included, subproblems in parallel on {Environment.ProcessorCount} cores), BOBLRBF-DNN '{Path.GetFileName(ArtifactDirectory)}' run for {string.Join(", ", layerBudgets)} layers (one batched pass on the CPU, 1 libtorch thread); every run from BOBLRBF's start, timed alone (wall clock, median of {repetitions} runs, after an untimed warm-up of each), designs evaluated by the managed model (worst-case WSR: 40 lower-level iterations); hypervolume = area dominated in (worst-case WSR, log10 CRLB) from (0, log10 {CrlbCeiling}); no GPU here (the paper's DNN ran on an RTX 3060)");

    public override int WorkUnits => iterationBudgets.Length + layerBudgets.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var settings = Scenario.Resolve(overrides);
        var network = Scenario.CreateNetwork(settings, seed, 0);
        var eps = settings.GetDouble("eps");
        using var dnn = BoblrbfDnnSolver.Load(ArtifactDirectory, allowCuda: false);
        var options = new BoblrbfOptions { Preferences = preferences };
        var done = 0;

        // Warm-up (JIT tiers, the thread pool, libtorch's first allocations): the largest budgets once each, not timed.
        _ = BoblrbfSolver.SolveFront(network, eps, options with { MaxIterations = Math.Min(20, iterationBudgets.Max()) }, cancellationToken: cancellationToken);
        _ = dnn.SolveFront(network, eps, preferences, layers: Math.Min(layerBudgets.Max(), dnn.Layers));

        var boblrbf = new List<Point>();
        foreach (var budget in iterationBudgets)
        {
            var (seconds, front) = Timed(() => BoblrbfSolver.SolveFront(network, eps, options with { MaxIterations = budget }, cancellationToken: cancellationToken));
            boblrbf.Add(new Point(budget, seconds, front));
            progress?.Report(++done);
        }

        var learned = new List<Point>();
        foreach (var layers in layerBudgets.Where(y => y <= dnn.Layers))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (seconds, front) = Timed(() => dnn.SolveFront(network, eps, preferences, layers));
            learned.Add(new Point(layers, seconds, front));
            progress?.Report(++done);
        }

        var rows = new List<ReproductionRow>();
        rows.AddRange(boblrbf.Select(p => PointRow("BOBLRBF", 0, p)));
        rows.AddRange(learned.Select(p => PointRow("BOBLRBF-DNN", 1, p)));
        rows.AddRange(Claims(boblrbf, learned));
        progress?.Report(WorkUnits);
        return rows;
    }

    /// <summary>The median wall time of <c>repetitions</c> runs of <paramref name="solve"/> (deterministic: every run gives the same front) and the front.</summary>
    private (double Seconds, IReadOnlyList<IsacSolution> Front) Timed(Func<IReadOnlyList<IsacSolution>> solve)
    {
        IReadOnlyList<IsacSolution> front = [];
        var seconds = IsacBenchmark.MedianSeconds(Math.Max(1, repetitions), () => front = solve());
        return (seconds, front);
    }

    /// <summary>The paper's claims against the measured curves.</summary>
    private static IEnumerable<ReproductionRow> Claims(List<Point> boblrbf, List<Point> learned)
    {
        var finalBoblrbf = boblrbf[^1];
        var finalDnn = learned[^1];
        var level = ConvergedShare * finalBoblrbf.Hypervolume;
        var boblrbfTime = boblrbf.FirstOrDefault(p => p.Hypervolume >= level)?.Seconds ?? finalBoblrbf.Seconds;
        var dnnReached = learned.FirstOrDefault(p => p.Hypervolume >= level);
        yield return new ReproductionRow(
            string.Create(CultureInfo.InvariantCulture, $"wall-time speed-up to {ConvergedShare:P0} of BOBLRBF's final hypervolume, BOBLRBF time / DNN time (paper: up to 50x; 0 = the DNN never gets there)"),
            dnnReached is null ? 0 : boblrbfTime / dnnReached.Seconds,
            1,
            0,
            new Dictionary<string, double>
            {
                ["level"] = level,
                ["boblrbfSeconds"] = boblrbfTime,
                ["dnnSeconds"] = dnnReached?.Seconds ?? double.NaN,
                ["dnnBestShareOfBoblrbfFinal"] = learned.Max(p => p.Hypervolume) / finalBoblrbf.Hypervolume,
            },
            RowCheck.Above);
        yield return new ReproductionRow(
            string.Create(CultureInfo.InvariantCulture, $"final hypervolume, DNN ({finalDnn.Budget} layers) - BOBLRBF ({finalBoblrbf.Budget} iterations) (paper: the DNN ends better in both objectives)"),
            finalDnn.Hypervolume - finalBoblrbf.Hypervolume,
            0,
            0,
            new Dictionary<string, double>
            {
                ["dnnHypervolume"] = finalDnn.Hypervolume,
                ["boblrbfHypervolume"] = finalBoblrbf.Hypervolume,
                ["dnnBestWsr"] = finalDnn.BestWsr,
                ["boblrbfBestWsr"] = finalBoblrbf.BestWsr,
                ["dnnBestCrlb"] = finalDnn.BestCrlb,
                ["boblrbfBestCrlb"] = finalBoblrbf.BestCrlb,
            },
            RowCheck.Above);

        // Equal iterations: the DNN's Y layers against BOBLRBF capped at the nearest budget not above Y.
        var equal = boblrbf.LastOrDefault(p => p.Budget <= finalDnn.Budget) ?? boblrbf[0];
        yield return new ReproductionRow(
            string.Create(CultureInfo.InvariantCulture, $"hypervolume after {finalDnn.Budget} layers - BOBLRBF after {equal.Budget} iterations (paper: faster convergence per iteration)"),
            finalDnn.Hypervolume - equal.Hypervolume,
            0,
            0,
            null,
            RowCheck.Above);

        // "The CRLB becomes very small in a relatively short time": best CRLB of BOBLRBF within the DNN's whole run time over the DNN's.
        var sameTime = boblrbf.LastOrDefault(p => p.Seconds <= finalDnn.Seconds) ?? boblrbf[0];
        yield return new ReproductionRow(
            string.Create(CultureInfo.InvariantCulture, $"best CRLB of BOBLRBF within the DNN's run time ({finalDnn.Seconds:F3} s: {sameTime.Budget} iterations) / the DNN's best CRLB (paper: the DNN's CRLB gets very small quickly)"),
            sameTime.BestCrlb / finalDnn.BestCrlb,
            1,
            0,
            new Dictionary<string, double> { ["boblrbfBestCrlb"] = sameTime.BestCrlb, ["dnnBestCrlb"] = finalDnn.BestCrlb },
            RowCheck.Above);
    }

    private static ReproductionRow PointRow(string method, int code, Point point) => new(
        string.Create(CultureInfo.InvariantCulture, $"{method}, {point.Budget} {(code == 0 ? "iterations" : "layers")}: hypervolume ({point.Seconds:F3} s)"),
        point.Hypervolume,
        0,
        0,
        new Dictionary<string, double>
        {
            ["method"] = code,
            ["iterations"] = point.Budget,
            ["wallSeconds"] = point.Seconds,
            ["hypervolume"] = point.Hypervolume,
            ["bestWsr"] = point.BestWsr,
            ["bestCrlb"] = point.BestCrlb,
            ["nonDominated"] = ParetoFront.NonDominated(point.Front).Count,
        },
        RowCheck.Above);

    /// <summary>One timed run: its budget (iterations or layers), wall time and front.</summary>
    private sealed record Point(int Budget, double Seconds, IReadOnlyList<IsacSolution> Front)
    {
        public double Hypervolume { get; } = ParetoFront.Hypervolume(Front, 0, CrlbCeiling);

        public double BestWsr => Front.Max(s => s.WorstCaseWsr);

        public double BestCrlb => Front.Min(s => s.Crlb);
    }
}
