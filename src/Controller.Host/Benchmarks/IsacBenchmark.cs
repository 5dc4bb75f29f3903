using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Controller.Learning.Isac;
using Controller.Optimization.Isac;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of <c>controller bench isac</c>.</summary>
/// <param name="Users">Users per base station, one row each (1 = the paper's setup, 10 = ten times its users).</param>
/// <param name="Instances">Instances (configurations 0..n-1 of the seed) per row.</param>
/// <param name="Runs">Timed runs of every mode; a mode reports the median.</param>
/// <param name="Preferences">K, preference vectors (solutions) per instance.</param>
/// <param name="Iterations">BOBLRBF's iteration cap.</param>
/// <param name="Seed">Scenario seed of the instances (13 by default: apart from the DNN's training and validation seeds 11 and 12).</param>
/// <param name="Artifact">The BOBLRBF-DNN artifact directory.</param>
internal sealed record IsacBenchmarkSettings(int[] Users, int Instances, int Runs, int Preferences, int Iterations, ulong Seed, string Artifact)
{
    /// <summary>The paper's claim on convergence speed, printed beside the measured ratio.</summary>
    public const double PaperSpeedUp = 50;

    /// <summary>A usage problem in one line, or null.</summary>
    public string? Problem()
        => !Directory.Exists(Artifact) ? $"--artifact: '{Artifact}' is not a directory holding a boblrbf-dnn artifact" : null;
}

/// <summary>One row: one network size, every mode's median solutions per second and the fronts' mean hypervolume.</summary>
internal sealed record IsacBenchmarkRow(
    int UsersPerBaseStation,
    int Solutions,
    double BoblrbfPerSecond,
    double DnnBatchedPerSecond,
    double DnnOneAtATimePerSecond,
    double DnnBatchedNetworkOnlyPerSecond,
    double DnnOneAtATimeNetworkOnlyPerSecond,
    [property: JsonPropertyName("boblrbfMeanHypervolume")] double BoblrbfHypervolume,
    [property: JsonPropertyName("dnnMeanHypervolume")] double DnnHypervolume)
{
    /// <summary>The DNN's batched solutions per second over BOBLRBF's, measured in the same run.</summary>
    public double BatchedRatio => DnnBatchedPerSecond / BoblrbfPerSecond;

    /// <summary>The DNN's one-at-a-time solutions per second over BOBLRBF's.</summary>
    public double OneAtATimeRatio => DnnOneAtATimePerSecond / BoblrbfPerSecond;
}

/// <summary>
/// <c>controller bench isac</c>: solutions per second of BOBLRBF and of BOBLRBF-DNN on instances of the <c>isac</c>
/// scenario. A solution is one preference vector's design with its managed evaluation (nominal and worst-case WSR, CRLB),
/// what both solvers return. Modes: BOBLRBF one front per call (anchors and K subproblems in parallel on the cores; it has
/// no batched form); the DNN with every instance x preference in one forward pass ("batched"), and one forward pass per
/// instance and preference ("one at a time"); for the DNN also the forward passes alone. Medians over the runs; every
/// run after one untimed warm-up.
/// </summary>
internal static class IsacBenchmark
{
    /// <summary>The reference point of the hypervolumes (as the isac reproductions).</summary>
    private const double CrlbCeiling = 1e4;

    /// <summary>Runs every row; progress lines on <paramref name="log"/>.</summary>
    public static IReadOnlyList<IsacBenchmarkRow> Run(IsacBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        using var dnn = BoblrbfDnnSolver.Load(settings.Artifact, allowCuda: true);
        log.WriteLine($"bench isac: BOBLRBF-DNN '{Path.GetFileName(Path.GetFullPath(settings.Artifact))}' ({dnn.Layers} layers) on {(dnn.Device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu, 1 libtorch thread (no GPU here)")}; BOBLRBF on {Environment.ProcessorCount} cores");
        var scenario = new IsacScenario();
        var angles = BoblrbfSolver.PreferenceAngles(settings.Preferences);
        var options = new BoblrbfOptions { Preferences = settings.Preferences, MaxIterations = settings.Iterations };
        var rows = new List<IsacBenchmarkRow>();
        foreach (var users in settings.Users)
        {
            var resolved = scenario.Resolve([new("users", users.ToString(CultureInfo.InvariantCulture))]);
            var eps = resolved.GetDouble("eps");
            var instances = Enumerable.Range(0, settings.Instances).Select(i => scenario.CreateNetwork(resolved, settings.Seed, i)).ToArray();
            var solutions = instances.Length * settings.Preferences;
            IReadOnlyList<IsacSolution>[] boblrbfFronts = [];
            IReadOnlyList<IReadOnlyList<IsacSolution>> dnnFronts = [];

            // Warm-up of every path (JIT, libtorch's first allocations).
            _ = BoblrbfSolver.SolveFront(instances[0], eps, options with { MaxIterations = 1 }, cancellationToken: cancellationToken);
            _ = dnn.SolveFronts([instances[0]], eps, settings.Preferences);

            var boblrbf = MedianSeconds(settings.Runs, () => boblrbfFronts = [.. instances.Select(n => BoblrbfSolver.SolveFront(n, eps, options, cancellationToken: cancellationToken))]);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench isac: users {users}: BOBLRBF {solutions / boblrbf:F1} solutions/s"));
            var batched = MedianSeconds(settings.Runs, () => dnnFronts = dnn.SolveFronts(instances, eps, settings.Preferences));
            var single = MedianSeconds(settings.Runs, () =>
            {
                foreach (var network in instances)
                {
                    foreach (var angle in angles)
                    {
                        var beams = dnn.Designs([network], eps, [angle])[0][0];
                        _ = BoblrbfDnnSolver.Evaluate(network, eps, beams, angle, dnn.Layers);
                    }
                }
            });
            var batchedNetwork = MedianSeconds(settings.Runs, () => dnn.Designs(instances, eps, angles));
            var singleNetwork = MedianSeconds(settings.Runs, () =>
            {
                foreach (var network in instances)
                {
                    foreach (var angle in angles)
                    {
                        _ = dnn.Designs([network], eps, [angle]);
                    }
                }
            });
            var row = new IsacBenchmarkRow(
                users,
                solutions,
                solutions / boblrbf,
                solutions / batched,
                solutions / single,
                solutions / batchedNetwork,
                solutions / singleNetwork,
                boblrbfFronts.Average(f => ParetoFront.Hypervolume(f, 0, CrlbCeiling)),
                dnnFronts.Average(f => ParetoFront.Hypervolume(f, 0, CrlbCeiling)));
            log.WriteLine(Line(row));
            rows.Add(row);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return rows;
    }

    /// <summary>One row as text.</summary>
    public static string Line(IsacBenchmarkRow row) => string.Create(CultureInfo.InvariantCulture,
        $"users/BS {row.UsersPerBaseStation,2}  solutions {row.Solutions,4}  BOBLRBF {row.BoblrbfPerSecond,8:F1}/s  DNN batched {row.DnnBatchedPerSecond,8:F1}/s ({row.BatchedRatio:F1}x)  one at a time {row.DnnOneAtATimePerSecond,8:F1}/s ({row.OneAtATimeRatio:F1}x)  network only: batched {row.DnnBatchedNetworkOnlyPerSecond,8:F1}/s, one at a time {row.DnnOneAtATimeNetworkOnlyPerSecond,8:F1}/s  mean hypervolume BOBLRBF {row.BoblrbfHypervolume:F1} DNN {row.DnnHypervolume:F1}");

    /// <summary>Median wall seconds of <paramref name="runs"/> runs of <paramref name="work"/>.</summary>
    public static double MedianSeconds(int runs, Action work)
    {
        var seconds = new double[runs];
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            work();
            seconds[r] = clock.Elapsed.TotalSeconds;
        }

        Array.Sort(seconds);
        return runs % 2 == 1 ? seconds[runs / 2] : (seconds[(runs / 2) - 1] + seconds[runs / 2]) / 2;
    }
}
