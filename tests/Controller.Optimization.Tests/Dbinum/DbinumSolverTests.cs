using Controller.Optimization.Dbinum;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class DbinumSolverTests
{
    // An outer step so small that alpha stays put: the lower level and eq. 6 can be checked alone.
    private static readonly DbinumOptions FrozenAlpha = new() { AlphaStep = 1e-300 };
    private static readonly double[] TwoTrueAlphas = [0.5, 0.7];

    [Fact]
    public void RunRound_FrozenAlphaLineNetwork_ReachesTheBarrierProblemsOptimum()
    {
        // Links 0 and 1 in a line; user 1 crosses both.
        var users = new[]
        {
            User([0], alpha: 1, rate: 1),
            User([0, 1], alpha: 2, rate: 1),
            User([1], alpha: 0.5, rate: 1),
        };
        var solver = new DbinumSolver([new DbinumLink(10, 0.01), new DbinumLink(6, 0.01)], users, FrozenAlpha, seed: 1);

        for (var k = 0; k < 200; k++)
        {
            solver.RunRound();
        }

        // Stationarity of eq. 3: U_r'(x_r) - eps x_r = sum over the route of tau / (P_l - y_l).
        var load0 = solver.Users[0].Rate + solver.Users[1].Rate;
        var load1 = solver.Users[1].Rate + solver.Users[2].Rate;
        var price0 = 0.01 / (10 - load0);
        var price1 = 0.01 / (6 - load1);
        Assert.Equal(price0, Marginal(solver.Users[0]), 1e-9);
        Assert.Equal(price0 + price1, Marginal(solver.Users[1]), 1e-9);
        Assert.Equal(price1, Marginal(solver.Users[2]), 1e-9);
        Assert.InRange(load0, 9.9, 10);
        Assert.InRange(load1, 5.9, 6);
    }

    [Fact]
    public void RunRound_FrozenAlphaSingleLink_AuxiliaryConvergesToInverseHessianTimesFeedback()
    {
        var users = new[] { User([0], alpha: 1, rate: 1, gradient: 0.3), User([0], alpha: 2, rate: 1, gradient: -0.2) };
        var solver = new DbinumSolver([new DbinumLink(10, 1)], users, FrozenAlpha, seed: 1);

        for (var k = 0; k < 400; k++)
        {
            solver.RunRound();
        }

        // H (eq. 5) on one link: H_rr = U_r'' - eps - h, H_rs = -h. Solve H v = g by Cramer's rule.
        var link = solver.Links[0];
        var h = link.Curvature;
        var eps = FrozenAlpha.Regularization;
        var a = AlphaFairUtility.SecondDerivative(solver.Users[0].Rate, 1) - eps - h;
        var d = AlphaFairUtility.SecondDerivative(solver.Users[1].Rate, 2) - eps - h;
        var determinant = (a * d) - (h * h);
        var v0 = ((0.3 * d) - (-h * -0.2)) / determinant;
        var v1 = ((a * -0.2) - (-h * 0.3)) / determinant;
        Assert.Equal(v0, solver.Users[0].Auxiliary, 1e-9);
        Assert.Equal(v1, solver.Users[1].Auxiliary, 1e-9);
    }

    [Fact]
    public void RunRound_PaperSingleLink_TrueUtilityRisesTowardTheNumValue()
    {
        double[] trueAlpha = [0.5, 2.0 / 3, 2.0 / 3];
        var users = trueAlpha.Select(a => new DbinumUser(
            UtilityFeedback.FromGradient(x => AlphaFairUtility.Derivative(x, a), x => AlphaFairUtility.Value(x, a)), [0], 1, 100.0 / 6)).ToArray();
        var solver = new DbinumSolver([new DbinumLink(100, 0.01)], users, new DbinumOptions { PrimalStepsPerRound = 20 }, seed: 1);
        var trace = new double[3000];

        solver.Run(trace);

        // alpha = 1 everywhere splits the link evenly (Psi 30.8); learning moves toward 31.77 and x1 > x2 = x3.
        Assert.InRange(trace[0], 30.7, 30.9);
        Assert.InRange(trace[^1], 31.6, 31.79);
        Assert.True(solver.Users[0].Rate > solver.Users[1].Rate + 20);
        Assert.Equal(solver.Users[1].Rate, solver.Users[2].Rate, 1e-9);
        Assert.InRange(solver.Users[1].Alpha / solver.Users[0].Alpha, 1.2, 1.5);
        Assert.Equal(3000, solver.Round);
    }

    [Fact]
    public void Run_ValueFeedback_SameSeedSameTraceOtherSeedOtherTrace()
    {
        double[] Trace(ulong seed)
        {
            var users = TwoTrueAlphas.Select(a => new DbinumUser(UtilityFeedback.FromValue(x => AlphaFairUtility.Value(x, a)), [0], 1, 10)).ToArray();
            var solver = new DbinumSolver([new DbinumLink(50, 0.01)], users, new DbinumOptions { PrimalStepsPerRound = 5 }, seed);
            var trace = new double[200];
            solver.Run(trace);
            return trace;
        }

        Assert.Equal(Trace(4), Trace(4));
        Assert.NotEqual(Trace(4), Trace(5));
    }

    [Fact]
    public void Run_EveryRound_LinksStayBelowCapacity()
    {
        // Tiny capacity and a large primal step: without the headroom guard the first steps overshoot P.
        var users = new[] { User([0, 1], 0.1, 0.01), User([0], 0.1, 0.01), User([1], 0.1, 0.01) };
        var solver = new DbinumSolver([new DbinumLink(1, 1e-3), new DbinumLink(0.5, 1e-3)], users, new DbinumOptions { PrimalStepScale = 1.5, PrimalStepsPerRound = 1 }, seed: 1);

        for (var k = 0; k < 500; k++)
        {
            solver.RunRound();
            Assert.True(solver.Users[0].Rate + solver.Users[1].Rate < 1, $"link 0 overloaded in round {k}");
            Assert.True(solver.Users[0].Rate + solver.Users[2].Rate < 0.5, $"link 1 overloaded in round {k}");
            Assert.All(solver.Users, u => Assert.True(u.Rate > 0));
        }
    }

    [Fact]
    public void TrueUtility_GradientOnlyUser_IsNaN()
    {
        var solver = new DbinumSolver([new DbinumLink(10, 0.01)], [new DbinumUser(UtilityFeedback.FromGradient(x => 1 / x), [0], 1, 1)], new DbinumOptions(), 1);

        Assert.False(solver.KnowsTrueUtility);
        Assert.True(double.IsNaN(solver.RunRound()));
    }

    [Fact]
    public void Constructor_RouteToUnknownLink_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new DbinumSolver([new DbinumLink(10, 0.01)], [User([1], 1, 1)], new DbinumOptions(), 1));

        Assert.Contains("link 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_StartAtCapacity_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DbinumSolver([new DbinumLink(10, 0.01)], [User([0], 1, 6), User([0], 1, 4)], new DbinumOptions(), 1));
    }

    private static DbinumUser User(int[] route, double alpha, double rate, double gradient = 0)
        => new(UtilityFeedback.FromGradient(_ => gradient), route, alpha, rate);

    private static double Marginal(DbinumUserState user)
        => AlphaFairUtility.Derivative(user.Rate, user.Alpha) - (user.Options.Regularization * user.Rate);
}
