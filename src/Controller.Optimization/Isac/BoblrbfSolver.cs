using Controller.Radio.Isac;

namespace Controller.Optimization.Isac;

/// <summary>Settings of <see cref="BoblrbfSolver"/> (paper 002, Algorithm 1); the defaults are the ones measured in this folder's README.</summary>
public sealed record BoblrbfOptions
{
    /// <summary>K, preference vectors (subproblems) of a front.</summary>
    public int Preferences { get; init; } = 8;

    /// <summary>Largest number of iterations per subproblem.</summary>
    public int MaxIterations { get; init; } = 200;

    /// <summary>k_pre: the cutting planes are updated every this many iterations.</summary>
    public int CutPeriod { get; init; } = 5;

    /// <summary>K_GD: lower-level steps in the estimate phi(gamma) of eq. (16); 1 is the case in which Theorem 1 makes g convex.</summary>
    public int LowerLevelSteps { get; init; } = 1;

    /// <summary>The small constant of g(gamma, delta) &lt;= epsilon in problem (17), in scaled error units.</summary>
    public double CutTolerance { get; init; } = 0.05;

    /// <summary>varsigma of the Armijo rule (24).</summary>
    public double Armijo { get; init; } = 1e-4;

    /// <summary>Halvings of the step before a subproblem stops for lack of descent.</summary>
    public int MaxHalvings { get; init; } = 30;

    /// <summary>Stop when ||d||^2 of the common-descent direction falls below this (Pareto criticality, Lemma 1).</summary>
    public double StationarityTolerance { get; init; } = 1e-7;

    /// <summary>Lower-level iterations used to report each solution's worst-case WSR.</summary>
    public int WorstCaseIterations { get; init; } = 40;

    /// <summary>Subproblems solved at once (the paper's parallelism over preference vectors).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Record (WSR, CRLB) after every iteration in <see cref="IsacSolution.History"/>.</summary>
    public bool RecordHistory { get; init; }
}

/// <summary>One Pareto-critical (or iteration-capped) solution of one subproblem.</summary>
/// <param name="Beams">The design gamma (layout of <see cref="IsacNetwork"/>), in sqrt(mW).</param>
/// <param name="PreferenceAngle">The preference vector u = (cos, sin) of the subproblem, in radians: near 0 favours sensing, near pi/2 communication.</param>
/// <param name="NominalWsr">WSR at the channel estimates (no error), bps/Hz.</param>
/// <param name="WorstCaseWsr">WSR under the worst channel errors found within the balls, bps/Hz (equals the nominal one at eps = 0).</param>
/// <param name="Crlb">CRLB of the target positions, m^2.</param>
/// <param name="Iterations">Iterations run.</param>
/// <param name="Stationarity">||d||^2 of the last common-descent direction (0 at a Pareto-critical point).</param>
/// <param name="Cuts">Cutting planes in the polytope at the end.</param>
/// <param name="History">(WSR at the solver's delta, CRLB) after each iteration when recorded, else empty.</param>
public sealed record IsacSolution(
    double[] Beams,
    double PreferenceAngle,
    double NominalWsr,
    double WorstCaseWsr,
    double Crlb,
    int Iterations,
    double Stationarity,
    int Cuts,
    IReadOnlyList<(double Wsr, double Crlb)> History)
{
    /// <summary>True when this is at least as good in worst-case WSR and CRLB as <paramref name="other"/> and better in one.</summary>
    public bool Dominates(IsacSolution other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return WorstCaseWsr >= other.WorstCaseWsr && Crlb <= other.Crlb && (WorstCaseWsr > other.WorstCaseWsr || Crlb < other.Crlb);
    }
}

/// <summary>
/// BOBLRBF (paper 002, Algorithm 1): Pareto-critical robust ISAC designs, max worst-case WSR and min CRLB. The objective
/// space is split by K preference vectors; each subproblem (13) is solved from a design within the budgets by
/// common-descent directions (22), Armijo steps (24) and cutting planes (18)-(20) that keep the channel-error variable
/// delta at the lower level's worst case. Subproblems run in parallel.
/// </summary>
public static class BoblrbfSolver
{
    /// <summary>The preference angles of a front: u_k at (k + 1/2) (pi / 2) / K.</summary>
    public static double[] PreferenceAngles(int count) => [.. Enumerable.Range(0, count).Select(k => (k + 0.5) * Math.PI / 2 / count)];

    /// <summary>K solutions, one per preference vector, from the same start (<paramref name="initialBeams"/> or <see cref="IsacNetwork.InitialBeams"/>).</summary>
    public static IReadOnlyList<IsacSolution> SolveFront(IsacNetwork network, double relativeError, BoblrbfOptions options, double[]? initialBeams = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        var objectives = new IsacObjectives(network, relativeError, options.LowerLevelSteps);
        var start = initialBeams ?? network.InitialBeams();
        var scale = Anchors(objectives, start, options, cancellationToken);
        var angles = PreferenceAngles(options.Preferences);
        var solutions = new IsacSolution[angles.Length];
        Parallel.For(
            0,
            angles.Length,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            k => solutions[k] = Subproblem(objectives, Cone(angles[k], [.. angles.Where((_, j) => j != k)], scale), start, options, cancellationToken));
        return solutions;
    }

    /// <summary>
    /// One design for one trade-off, the entry a control loop calls each period: <paramref name="communicationWeight"/> in
    /// [0, 1] (0 = sensing only, 1 = communication only) picks the preference vector, whose cone is as wide as one of a
    /// front of <see cref="BoblrbfOptions.Preferences"/>; <paramref name="initialBeams"/> warm-starts it (the last loop's design).
    /// </summary>
    public static IsacSolution Solve(IsacNetwork network, double relativeError, double communicationWeight, BoblrbfOptions options, double[]? initialBeams = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(communicationWeight, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(communicationWeight, 1);
        var angle = communicationWeight * Math.PI / 2;
        var width = Math.PI / 2 / options.Preferences;
        double[] neighbours = [.. new[] { angle - width, angle + width }.Where(a => a is >= 0 and <= Math.PI / 2)];
        var objectives = new IsacObjectives(network, relativeError, options.LowerLevelSteps);
        var start = initialBeams ?? network.InitialBeams();
        var scale = Anchors(objectives, start, options, cancellationToken);
        return Subproblem(objectives, Cone(angle, neighbours, scale), start, options, cancellationToken);
    }

    /// <summary>
    /// The ideal and nadir points that normalise the objective space before it is split into cones: f1 and f2 each
    /// minimised alone from the start (the two single-objective subproblems, run in parallel). Without this, the cones
    /// of eq. (12) would be drawn in units where one objective's range dwarfs the other's and most of them stay empty.
    /// </summary>
    private static ObjectiveScale Anchors(IsacObjectives objectives, double[] start, BoblrbfOptions options, CancellationToken cancellationToken)
    {
        var anchors = new (double F1, double F2)[2];
        Parallel.For(
            0,
            2,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            i =>
            {
                var solution = Subproblem(objectives, new SubproblemSpec(i == 0 ? Math.PI / 2 : 0, [], null, UseF1: i == 0, UseF2: i == 1), start, options, cancellationToken);
                anchors[i] = objectives.Values(objectives.ToScaled(solution.Beams));
            });
        var ideal = (anchors[0].F1, anchors[1].F2);
        var nadir = (Math.Max(anchors[1].F1, ideal.Item1 + 1e-6), Math.Max(anchors[0].F2, ideal.Item2 + 1e-6));
        return new ObjectiveScale(ideal.Item1, ideal.Item2, nadir.Item1 - ideal.Item1, nadir.Item2 - ideal.Item2);
    }

    private static SubproblemSpec Cone(double angle, double[] others, ObjectiveScale scale)
    {
        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
        return new SubproblemSpec(angle, [.. others.Select(a => (Math.Cos(a) - c, Math.Sin(a) - s))], scale, UseF1: true, UseF2: true);
    }

    private static IsacSolution Subproblem(IsacObjectives objectives, SubproblemSpec spec, double[] initialBeams, BoblrbfOptions options, CancellationToken cancellationToken)
    {
        var network = objectives.Network;
        var length = objectives.Length;
        var z = objectives.ToScaled(initialBeams);
        objectives.Project(z);
        var cuts = new List<(double[] Normal, double Offset)>();
        var gradient1 = new double[length];
        var gradient2 = new double[length];
        var direction = new double[length];
        var candidate = new double[length];
        var history = new List<(double, double)>();
        var stationarity = double.PositiveInfinity;
        var iteration = 0;
        for (; iteration < options.MaxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (f1, f2) = objectives.Gradients(z, gradient1, gradient2);

            // Problem (22): the objectives, the active cone constraints r_j (eq. 14) in the normalised objective space, and the
            // active cuts c_i. While the iterate is outside its cone (some r_j > 0) only the cone rows descend, as in the
            // initial phase of Pareto MTL (Lin et al. 2019, which the paper follows): otherwise a subproblem whose cone lies
            // away from the start stalls at a weakly Pareto-critical point where one objective is flat, and the front
            // collapses onto a few points that dominate each other.
            var gradients = new List<double[]>();
            var monitored = new List<(double C1, double C2)>();
            if (spec.Scale is { } scale)
            {
                var q1 = (f1 - scale.Ideal1) / scale.Range1;
                var q2 = (f2 - scale.Ideal2) / scale.Range2;
                foreach (var (w1, w2) in spec.ConeRows)
                {
                    if ((w1 * q1) + (w2 * q2) > 1e-9)
                    {
                        monitored.Add((w1 / scale.Range1, w2 / scale.Range2));
                        gradients.Add([.. gradient1.Zip(gradient2, (a, b) => (w1 * a / scale.Range1) + (w2 * b / scale.Range2))]);
                    }
                }
            }

            if (monitored.Count == 0)
            {
                if (spec.UseF1)
                {
                    monitored.Add((1, 0));
                    gradients.Add((double[])gradient1.Clone());
                }

                if (spec.UseF2)
                {
                    monitored.Add((0, 1));
                    gradients.Add((double[])gradient2.Clone());
                }
            }

            foreach (var (normal, offset) in cuts)
            {
                if (CommonDescent.Dot(normal, z) + offset >= 0)
                {
                    gradients.Add((double[])normal.Clone());
                }
            }

            // The budgets (3): at a base station using its whole budget every row is restricted to the tangent plane of its
            // power sphere, so the direction keeps that station at full power and the predicted slopes are the true ones
            // (the projection after the step is a retraction onto the sphere). The paper's active rows grad p_l . d <= phi
            // push the iterate inside instead, and the next step outside again: it zig-zagged along the boundary here.
            for (var l = 0; l < network.BaseStations; l++)
            {
                if (objectives.PowerExcess(z, l) >= -1e-9)
                {
                    var (start, count) = network.BeamBlock(l);
                    var block = z.AsSpan(start, count);
                    var squared = CommonDescent.Dot(block, block);
                    foreach (var row in gradients)
                    {
                        var radial = CommonDescent.Dot(row.AsSpan(start, count), block);
                        if (squared > 0)
                        {
                            for (var i = 0; i < count; i++)
                            {
                                row[start + i] -= radial / squared * block[i];
                            }
                        }
                    }
                }
            }

            CommonDescent.Direction(gradients, direction);
            stationarity = CommonDescent.Dot(direction, direction);
            if (stationarity < options.StationarityTolerance)
            {
                break;
            }

            // Armijo (24): the largest 2^-j whose projected step lowers every monitored function (both objectives, or the
            // violated cone rows) by varsigma of its predicted decrease.
            var slopes = monitored.Select(m => (m.C1 * CommonDescent.Dot(gradient1, direction)) + (m.C2 * CommonDescent.Dot(gradient2, direction))).ToArray();
            var step = 1.0;
            var accepted = false;
            for (var halving = 0; halving < options.MaxHalvings; halving++, step /= 2)
            {
                for (var i = 0; i < length; i++)
                {
                    candidate[i] = z[i] + (step * direction[i]);
                }

                objectives.Project(candidate);
                var (c1, c2) = objectives.Values(candidate);
                accepted = true;
                for (var m = 0; m < monitored.Count && accepted; m++)
                {
                    var (a, b) = monitored[m];
                    accepted = (a * c1) + (b * c2) <= (a * f1) + (b * f2) + (options.Armijo * step * slopes[m]);
                }

                if (accepted)
                {
                    break;
                }
            }

            if (!accepted)
            {
                break;
            }

            candidate.CopyTo(z, 0);
            if (options.RecordHistory)
            {
                var (r1, _) = objectives.Values(z);
                history.Add((-r1 * Math.Max(1, network.Users), IsacSensing.Crlb(network, objectives.Beams(z))));
            }

            if (objectives.Robust && iteration % options.CutPeriod == 0)
            {
                UpdateCuts(objectives, z, cuts, options.CutTolerance);
            }
        }

        var beams = objectives.Beams(z);
        var (worst, _) = objectives.WorstCase(beams, options.WorstCaseIterations);
        return new IsacSolution(
            beams,
            spec.Angle,
            IsacCommunication.WeightedSumRate(network, beams, default),
            worst,
            IsacSensing.Crlb(network, beams),
            iteration,
            stationarity,
            cuts.Count,
            history);
    }

    /// <summary>
    /// Algorithm 1, lines 10-13: drop the cuts the iterate satisfies strictly, then, when g = ||delta - phi(gamma)||^2 exceeds
    /// the tolerance, add the linearisation (20) of g at the iterate. d g / d gamma = -2 (d phi / d gamma)^T (delta - phi) by
    /// forward differences of phi(gamma) . (delta - phi) (phi is a few projected steps, smooth in gamma).
    /// </summary>
    private static void UpdateCuts(IsacObjectives objectives, double[] z, List<(double[] Normal, double Offset)> cuts, double tolerance)
    {
        cuts.RemoveAll(cut => CommonDescent.Dot(cut.Normal, z) + cut.Offset < 0);
        var x = z.AsSpan(0, objectives.BeamLength).ToArray();
        var phi = objectives.LowerLevel(x);
        var residual = new double[phi.Length];
        var g = 0.0;
        for (var i = 0; i < phi.Length; i++)
        {
            residual[i] = z[objectives.BeamLength + i] - phi[i];
            g += residual[i] * residual[i];
        }

        if (g <= tolerance)
        {
            return;
        }

        var normal = new double[z.Length];
        const double Step = 1e-7;
        var at = CommonDescent.Dot(phi, residual);
        for (var i = 0; i < x.Length; i++)
        {
            var keep = x[i];
            x[i] = keep + Step;
            var up = CommonDescent.Dot(objectives.LowerLevel(x), residual);
            x[i] = keep;
            normal[i] = -2 * (up - at) / Step;
        }

        for (var i = 0; i < residual.Length; i++)
        {
            normal[objectives.BeamLength + i] = 2 * residual[i];
        }

        cuts.Add((normal, g - CommonDescent.Dot(normal, z) - tolerance));
    }

    /// <summary>Origin (ideal point) and ranges (nadir minus ideal) of the normalised objective space.</summary>
    private sealed record ObjectiveScale(double Ideal1, double Ideal2, double Range1, double Range2);

    /// <summary>One subproblem: its preference angle, the rows u_j - u_k of its cone constraints, the scale they are drawn in, and which objectives descend.</summary>
    private sealed record SubproblemSpec(double Angle, (double W1, double W2)[] ConeRows, ObjectiveScale? Scale, bool UseF1, bool UseF2);
}
