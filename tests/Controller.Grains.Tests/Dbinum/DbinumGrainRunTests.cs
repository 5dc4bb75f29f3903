using Controller.Optimization.Dbinum;

namespace Controller.Grains.Tests.Dbinum;

/// <summary>
/// Paper 000's single link (P = 100, tau = 0.01, true alpha-fair utilities a~ = (1/2, 2/3, 2/3)) run through
/// user and link grains and, alongside, by <see cref="DbinumSolver"/>: the grains must give the solver's numbers.
/// </summary>
public sealed class DbinumGrainRunTests : IDisposable
{
    private const double Same = 1e-12;
    private const ulong Seed = 3;
    private static readonly double[] TrueAlpha = [0.5, 2.0 / 3, 2.0 / 3];
    private static readonly DbinumOptions Options = new() { PrimalStepsPerRound = 20, AlphaStep = 3e-4 };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dbinum-grains-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task RunRoundAsync_SingleLink_EqualsTheSolverEveryRound(bool gradientFeedback, bool serializeCalls)
    {
        _ = serializeCalls; // Orleans copies every argument that is not [Immutable]; both cases take that path now.
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        var solver = Solver(gradientFeedback);
        var run = await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(gradientFeedback), Options, Seed, CancellationToken.None);

        for (var k = 0; k < 200; k++)
        {
            var expected = solver.RunRound();
            var obtained = await run.RunRoundAsync(CancellationToken.None);

            Assert.Equal(expected, obtained, Same);
            AssertSameState(solver, run);
        }

        Assert.Equal(200, run.Round);
        // Learning has moved the users off the even split, so the comparison covered a run that does something.
        Assert.True(run.Users[0].Rate > run.Users[1].Rate + 10);
    }

    [Fact]
    public async Task GetStateAsync_AfterRounds_ShowsTheUsersAlphaRateAuxiliaryAndTheLinksPrice()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        var solver = Solver(gradientFeedback: true);
        var run = await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(gradientFeedback: true), Options, Seed, CancellationToken.None);
        for (var k = 0; k < 30; k++)
        {
            solver.RunRound();
            await run.RunRoundAsync(CancellationToken.None);
        }

        for (var r = 0; r < TrueAlpha.Length; r++)
        {
            var state = await runtime.GetGrain<IUserGrain>(UserId(r)).GetStateAsync(CancellationToken.None);
            var dbinum = Assert.IsType<DbinumUserView>(state.Dbinum);
            Assert.Equal(solver.Users[r].Alpha, dbinum.Alpha, Same);
            Assert.Equal(solver.Users[r].Rate, dbinum.Rate, Same);
            Assert.Equal(solver.Users[r].Auxiliary, dbinum.Auxiliary, Same);
            Assert.Equal(30, dbinum.Iteration);
            Assert.Equal(30 * Options.PrimalStepsPerRound, dbinum.PrimalSteps);
            Assert.Equal(["r000/c00"], dbinum.Route);
            Assert.Equal(DbinumFeedbackKind.Gradient, dbinum.Feedback);
            Assert.Equal("r000", state.Region);
            Assert.Equal(r, state.Index);
        }

        // The link's state is that of the exchange before the users' learning step (step 2 of the round).
        var link = await runtime.GetGrain<ILinkGrain>("r000/c00").GetStateAsync(CancellationToken.None);
        var view = Assert.IsType<DbinumLinkView>(link.Dbinum);
        Assert.Equal("r000", link.Region);
        Assert.Equal(solver.Links[0].Load, view.Load, Same);
        Assert.Equal(solver.Links[0].Price, view.Price, Same);
        Assert.Equal(solver.Links[0].Curvature, view.Curvature, Same);
        Assert.Equal(solver.Links[0].AuxiliarySum, view.AuxiliarySum, Same);
        Assert.Equal(3, view.Users);
        Assert.Equal(100, view.Capacity);
        // One exchange at the start, then T + 1 per round.
        Assert.Equal(1 + (30 * (Options.PrimalStepsPerRound + 1)), view.Exchanges);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResumeAsync_AfterRestartWithFileStorage_ContinuesTheUninterruptedSolverRun(bool gradientFeedback)
    {
        var solver = Solver(gradientFeedback);
        var plane = Plane();
        await using (var first = await TestSilo.StartAsync(plane, _directory))
        {
            var run = await DbinumGrainRun.StartAsync(first.Grains, Links, Users(gradientFeedback), Options, Seed, CancellationToken.None);
            for (var k = 0; k < 40; k++)
            {
                solver.RunRound();
                await run.RunRoundAsync(CancellationToken.None);
            }
        }

        // Disposing the runtime deactivated every grain, which wrote its state; a new runtime reads it back.
        await using var second = await TestSilo.StartAsync(plane, _directory);
        var resumed = await DbinumGrainRun.ResumeAsync(second.Grains, Links, Users(gradientFeedback), CancellationToken.None);
        Assert.Equal(40, resumed.Round);
        AssertSameState(solver, resumed);
        for (var k = 40; k < 100; k++)
        {
            var expected = solver.RunRound();
            var obtained = await resumed.RunRoundAsync(CancellationToken.None);

            Assert.Equal(expected, obtained, Same);
            AssertSameState(solver, resumed);
        }

        Assert.Equal(100, resumed.Round);
    }

    [Fact]
    public async Task ResumeAsync_UsersNeverJoined_Throws()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        await runtime.GetGrain<ILinkGrain>("r000/c00").JoinDbinumAsync(new DbinumLinkSetup(100, 0.01), CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DbinumGrainRun.ResumeAsync(runtime.Grains, Links, Users(true), CancellationToken.None));

        Assert.Contains("r000/u000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DbinumLearnAsync_NaNFeedback_RejectedAndStateUnchanged(bool gradientFeedback)
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        var run = await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(gradientFeedback), Options, Seed, CancellationToken.None);
        for (var k = 0; k < 5; k++)
        {
            await run.RunRoundAsync(CancellationToken.None);
        }

        var user = runtime.GetGrain<IUserGrain>(UserId(1));
        var probe = await user.DbinumProbeAsync(CancellationToken.None);
        var before = (await user.GetStateAsync(CancellationToken.None)).Dbinum!;
        var bad = gradientFeedback ? DbinumFeedback.FromGradient(double.NaN) : DbinumFeedback.FromValues(1, double.NaN);
        var signal = run.LinkSignals[0];

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await user.DbinumLearnAsync([signal], bad, CancellationToken.None));

        Assert.Contains("r000/u001", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be finite", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await user.GetStateAsync(CancellationToken.None)).Dbinum);
        Assert.Equal(probe, await user.DbinumProbeAsync(CancellationToken.None));

        // Good feedback afterwards takes exactly the step it would have taken without the bad one.
        var utility = TrueAlpha[1];
        double gradient;
        DbinumFeedback good;
        if (gradientFeedback)
        {
            gradient = AlphaFairUtility.Derivative(probe.Rate, utility);
            good = DbinumFeedback.FromGradient(gradient);
        }
        else
        {
            var (value, probeValue) = (AlphaFairUtility.Value(probe.Rate, utility), AlphaFairUtility.Value(probe.ProbeRate!.Value, utility));
            gradient = UtilityFeedback.TwoPointEstimate(probeValue, value, before.PendingDirection!.Value, 0.01);
            good = DbinumFeedback.FromValues(value, probeValue);
        }

        var expected = new DbinumUserState(Options, before.Alpha, before.Rate, before.Auxiliary);
        expected.Learn(DbinumRouteSignal.Empty.Add(signal), gradient);
        var learned = await user.DbinumLearnAsync([signal], good, CancellationToken.None);
        Assert.Equal(expected.Alpha, learned.Alpha);
        Assert.Equal(expected.Auxiliary, learned.Auxiliary);
        Assert.Equal(before.Rate, learned.Rate);
        Assert.Equal(before.Iteration + 1, learned.Iteration);
        Assert.Null(learned.PendingDirection);
    }

    [Theory]
    [InlineData(-1e-3, 1e-7)]
    [InlineData(double.NaN, 1e-7)]
    [InlineData(1e-3, double.PositiveInfinity)]
    public async Task DbinumPrimalStepAsync_ImpossibleLinkSignal_RejectedAndStateUnchanged(double price, double curvature)
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(true), Options, Seed, CancellationToken.None);
        var user = runtime.GetGrain<IUserGrain>(UserId(0));
        var before = await user.GetStateAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await user.DbinumPrimalStepAsync([new DbinumLinkSignal(price, curvature, 0, 10)], CancellationToken.None));

        Assert.Contains("r000/c00", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Dbinum, (await user.GetStateAsync(CancellationToken.None)).Dbinum);
    }

    [Fact]
    public async Task DbinumPrimalStepAsync_SignalsOfAnotherRoute_Rejected()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        var run = await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(true), Options, Seed, CancellationToken.None);
        var user = runtime.GetGrain<IUserGrain>(UserId(0));

        await Assert.ThrowsAsync<ArgumentException>(async () => await user.DbinumPrimalStepAsync([run.LinkSignals[0], run.LinkSignals[0]], CancellationToken.None));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public async Task DbinumExchangeAsync_BadRate_RejectedAndLinkUnchanged(double rate)
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(true), Options, Seed, CancellationToken.None);
        var link = runtime.GetGrain<ILinkGrain>("r000/c00");
        var before = await link.GetStateAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await link.DbinumExchangeAsync([new DbinumUserReport(10, 0), new DbinumUserReport(rate, 0)], CancellationToken.None));

        Assert.Contains("positive and finite", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Dbinum, (await link.GetStateAsync(CancellationToken.None)).Dbinum);
    }

    [Fact]
    public async Task DbinumExchangeAsync_RatesReachCapacity_RejectedAndLinkUnchanged()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(true), Options, Seed, CancellationToken.None);
        var link = runtime.GetGrain<ILinkGrain>("r000/c00");
        var before = await link.GetStateAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await link.DbinumExchangeAsync([new DbinumUserReport(60, 0), new DbinumUserReport(40, 0)], CancellationToken.None));

        Assert.Equal(before.Dbinum, (await link.GetStateAsync(CancellationToken.None)).Dbinum);
    }

    [Fact]
    public async Task StartAsync_StartingRatesOverloadTheLink_Throws()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        var users = Enumerable.Range(0, 3).Select(r => new DbinumGrainUser(UserId(r), new DbinumUser(UtilityFeedback.FromGradient(x => 1 / x), [0], 1, 40))).ToArray();

        await Assert.ThrowsAsync<InvalidOperationException>(() => DbinumGrainRun.StartAsync(runtime.Grains, Links, users, Options, Seed, CancellationToken.None));
    }

    [Fact]
    public async Task DbinumProbeAsync_AskedTwice_SameProbeAndOneDirectionDrawn()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);
        await DbinumGrainRun.StartAsync(runtime.Grains, Links, Users(false), Options, Seed, CancellationToken.None);
        var user = runtime.GetGrain<IUserGrain>(UserId(2));

        var first = await user.DbinumProbeAsync(CancellationToken.None);
        var second = await user.DbinumProbeAsync(CancellationToken.None);

        Assert.Equal(first, second);
        var u = DbinumSolver.DirectionStream(Seed, 2).NextGaussian();
        Assert.Equal(UtilityFeedback.ProbeRate(100.0 / 6, u, 0.01), first.ProbeRate);
        Assert.Equal(1, (await user.GetStateAsync(CancellationToken.None)).Dbinum!.Directions);
        // x stays where the probe was taken until the feedback comes.
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await user.DbinumPrimalStepAsync([new DbinumLinkSignal(1e-3, 1e-5, 0, 1)], CancellationToken.None));
    }

    [Fact]
    public async Task DbinumPrimalStepAsync_NotJoined_Throws()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await runtime.GetGrain<IUserGrain>(UserId(0)).DbinumPrimalStepAsync([new DbinumLinkSignal(1e-3, 1e-5, 0, 1)], CancellationToken.None));

        Assert.Contains("JoinDbinumAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinkGrain_CellNotInTheTopology_ActivationFails()
    {
        var plane = Plane();
        await using var runtime = await TestSilo.StartAsync(plane);

        var error = await Assert.ThrowsAnyAsync<Exception>(
            () => runtime.GetGrain<ILinkGrain>("r000/c07").JoinDbinumAsync(new DbinumLinkSetup(100, 0.01), CancellationToken.None));

        // Orleans hands the activation's own exception (or one wrapping it) to the caller.
        var cause = error as ArgumentException ?? Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Contains("r000/c07", cause.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static DbinumGrainLink[] Links => [new("r000/c00", new DbinumLink(100, 0.01))];

    private static Hosting.ControlPlaneSetup Plane() => DbinumControlPlane.Create(DbinumControlPlane.SingleLink("dbinum-single-link", TrueAlpha.Length));

    private static string UserId(int r) => $"r000/u{r:000}";

    private static DbinumUser[] SolverUsers(bool gradientFeedback) => [.. TrueAlpha.Select(a => new DbinumUser(
        gradientFeedback
            ? UtilityFeedback.FromGradient(x => AlphaFairUtility.Derivative(x, a), x => AlphaFairUtility.Value(x, a))
            : UtilityFeedback.FromValue(x => AlphaFairUtility.Value(x, a), smoothing: 0.01),
        [0],
        InitialAlpha: 1,
        InitialRate: 100.0 / 6))];

    private static DbinumGrainUser[] Users(bool gradientFeedback) => [.. SolverUsers(gradientFeedback).Select((u, r) => new DbinumGrainUser(UserId(r), u))];

    private static DbinumSolver Solver(bool gradientFeedback) => new([Links[0].Link], SolverUsers(gradientFeedback), Options, Seed);

    private static void AssertSameState(DbinumSolver solver, DbinumGrainRun run)
    {
        for (var r = 0; r < solver.Users.Count; r++)
        {
            Assert.Equal(solver.Users[r].Rate, run.Users[r].Rate, Same);
            Assert.Equal(solver.Users[r].Alpha, run.Users[r].Alpha, Same);
            Assert.Equal(solver.Users[r].Auxiliary, run.Users[r].Auxiliary, Same);
        }

        Assert.Equal(solver.Round, run.Round);
    }
}
