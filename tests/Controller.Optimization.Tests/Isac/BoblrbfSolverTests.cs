using Controller.Optimization.Isac;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests.Isac;

/// <summary>
/// Fronts of one small instance (the paper's three base stations, N = 4, one user each, one target), solved once per
/// setting and shared by the tests (about a second each in Debug on two cores).
/// </summary>
public sealed class IsacFronts
{
    public static readonly BoblrbfOptions Options = new() { Preferences = 4, MaxIterations = 100 };

    private readonly Lazy<IReadOnlyList<IsacSolution>>[] _fronts;

    public IsacFronts()
    {
        _fronts =
        [
            new(() => BoblrbfSolver.SolveFront(Network("40"), 0, Options)),
            new(() => BoblrbfSolver.SolveFront(Network("40"), 0.05, Options)),
            new(() => BoblrbfSolver.SolveFront(Network("40"), 0.1, Options)),
            new(() => BoblrbfSolver.SolveFront(Network("10"), 0.05, Options)),
        ];
    }

    public IReadOnlyList<IsacSolution> Nominal => _fronts[0].Value;

    public IReadOnlyList<IsacSolution> Eps005 => _fronts[1].Value;

    public IReadOnlyList<IsacSolution> Eps01 => _fronts[2].Value;

    public IReadOnlyList<IsacSolution> LowPower => _fronts[3].Value;

    public static IsacNetwork Network(string powerDbm)
    {
        var scenario = new IsacScenario();
        return scenario.CreateNetwork(scenario.Resolve([new("antennas", "4"), new("targets", "1"), new("powerDbm", powerDbm)]), 1, 0);
    }
}

public sealed class BoblrbfSolverTests(IsacFronts fronts) : IClassFixture<IsacFronts>
{
    [Fact]
    public void SolveFront_Robust_NonDominatedFrontSpreadWithinBudgets()
    {
        var network = IsacFronts.Network("40");
        var solutions = fronts.Eps005;
        var front = ParetoFront.NonDominated(solutions);

        Assert.Equal(IsacFronts.Options.Preferences, solutions.Count);
        Assert.True(front.Count >= 3, $"only {front.Count} of {solutions.Count} solutions are non-dominated");
        foreach (var a in front)
        {
            Assert.All(front, b => Assert.False(a.Dominates(b)));
        }

        foreach (var solution in solutions)
        {
            for (var l = 0; l < network.BaseStations; l++)
            {
                Assert.True(network.Power(solution.Beams, l) <= network.PowerBudgets[l] * (1 + 1e-9), $"base station {l} exceeds its budget");
            }

            Assert.True(solution.WorstCaseWsr <= solution.NominalWsr + 1e-9);
        }

        // The front spans a trade-off: its ends differ in both objectives.
        Assert.True(front[^1].WorstCaseWsr > 2 * front[0].WorstCaseWsr);
        Assert.True(front[^1].Crlb > front[0].Crlb);
    }

    [Fact]
    public void SolveFront_LargerEps_WorsensTheFront()
    {
        // Hypervolume in (worst-case WSR, log10 CRLB) from a fixed reference point: the area the front dominates.
        var nominal = ParetoFront.Hypervolume(fronts.Nominal, 0, 100);
        var small = ParetoFront.Hypervolume(fronts.Eps005, 0, 100);
        var large = ParetoFront.Hypervolume(fronts.Eps01, 0, 100);

        Assert.True(nominal > small && small > large, $"hypervolume at eps 0 / 0.05 / 0.1: {nominal:F2} / {small:F2} / {large:F2}");
        Assert.True(fronts.Eps01.Max(s => s.WorstCaseWsr) < fronts.Eps005.Max(s => s.WorstCaseWsr));
        // Sensing does not get better either: the best CRLB is no lower with larger errors.
        Assert.True(fronts.Eps01.Min(s => s.Crlb) >= fronts.Eps005.Min(s => s.Crlb) * (1 - 1e-3));
    }

    [Fact]
    public void SolveFront_MorePower_ImprovesBothObjectives()
    {
        var high = fronts.Eps005;
        var low = fronts.LowPower;

        Assert.True(high.Max(s => s.WorstCaseWsr) > low.Max(s => s.WorstCaseWsr), $"best worst-case WSR at 40 dBm {high.Max(s => s.WorstCaseWsr):F2}, at 10 dBm {low.Max(s => s.WorstCaseWsr):F2}");
        Assert.True(high.Min(s => s.Crlb) < low.Min(s => s.Crlb));
        Assert.True(ParetoFront.Hypervolume(high, 0, 1e4) > ParetoFront.Hypervolume(low, 0, 1e4));
    }

    [Fact]
    public void SolveFront_UnderWorstCaseError_RobustBeatsNominalDesignAtEqualCrlb()
    {
        // The eps = 0 designs under their own worst-case error within eps = 0.1, against the eps = 0.1 front. "At equal
        // CRLB" over the whole front is the area under each staircase of worst-case WSR against log10 CRLB (the
        // hypervolume); and preference by preference the robust design keeps more rate under its worst case.
        const double Eps = 0.1;
        var network = IsacFronts.Network("40");
        var radii = IsacCommunication.ErrorRadii(network, Eps);
        var exposed = fronts.Nominal.Select(design => design with
        {
            WorstCaseWsr = IsacCommunication.WorstCaseErrors(network, design.Beams, radii, IsacFronts.Options.WorstCaseIterations, keepLowest: true, new double[network.ErrorLength]),
        }).ToArray();

        var robust = ParetoFront.Hypervolume(fronts.Eps01, 0, 100);
        var nominal = ParetoFront.Hypervolume(exposed, 0, 100);
        Assert.True(robust > nominal, $"hypervolume under the worst case: robust {robust:F2}, eps = 0 designs {nominal:F2}");
        for (var k = 0; k < exposed.Length; k++)
        {
            Assert.True(fronts.Eps01[k].WorstCaseWsr > exposed[k].WorstCaseWsr, $"preference {k}: robust {fronts.Eps01[k].WorstCaseWsr:F2}, eps = 0 design {exposed[k].WorstCaseWsr:F2}");
        }
    }

    [Fact]
    public void Solve_CommunicationWeight_OrdersTheTradeOffAndWarmStartKeepsTheDesign()
    {
        var network = IsacFronts.Network("40");
        var options = IsacFronts.Options with { Preferences = 4, MaxIterations = 60 };
        var communication = BoblrbfSolver.Solve(network, 0.05, 0.9, options);
        var sensing = BoblrbfSolver.Solve(network, 0.05, 0.1, options);

        Assert.True(communication.WorstCaseWsr > sensing.WorstCaseWsr);
        Assert.True(sensing.Crlb < communication.Crlb);

        // Warm start with no iterations left returns the given design (what a control loop hands over between periods).
        var held = BoblrbfSolver.Solve(network, 0.05, 0.9, options with { MaxIterations = 0 }, communication.Beams);
        Assert.Equal(communication.Beams, held.Beams, (a, b) => Math.Abs(a - b) < 1e-9);
    }
}
