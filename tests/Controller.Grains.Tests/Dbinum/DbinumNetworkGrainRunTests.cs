using Controller.Optimization.Dbinum;

namespace Controller.Grains.Tests.Dbinum;

/// <summary>
/// Paper 000's Abilene network (14 link grains, four flows as user grains, each priced by the sum over the
/// links of its route) run through grains and by <see cref="DbinumSolver"/>: the numbers must be the same bit for bit.
/// </summary>
public sealed class DbinumNetworkGrainRunTests
{
    private const int Rounds = 25;
    private static readonly DbinumOptions Options = new() { PrimalStepsPerRound = 10, AlphaStep = 0.1, AlphaMin = 1.01 };

    [Theory]
    [InlineData(5, null)]
    [InlineData(6, null)]
    [InlineData(5, 0.01)]
    public async Task RunRoundAsync_Abilene_EqualsTheSolverExactlyEveryRound(int figure, double? valueSmoothing)
    {
        var scenario = new AbileneScenario();
        var network = scenario.CreateNetwork(scenario.Resolve(figure == 5 ? AbileneScenario.Figure5 : AbileneScenario.Figure6));
        var users = network.Users(initialAlpha: 2, valueSmoothing);
        await using var runtime = await TestSilo.StartAsync(DbinumControlPlane.Create(DbinumControlPlane.Network(network)));
        var solver = new DbinumSolver(network.Links, users, Options, seed: 7);
        var run = await DbinumGrainRun.StartAsync(runtime.Grains, DbinumControlPlane.Links(network), DbinumControlPlane.Users(users), Options, seed: 7, CancellationToken.None);

        for (var k = 0; k < Rounds; k++)
        {
            Assert.Equal(solver.RunRound(), await run.RunRoundAsync(CancellationToken.None));
            for (var r = 0; r < users.Length; r++)
            {
                Assert.Equal(solver.Users[r].Rate, run.Users[r].Rate);
                Assert.Equal(solver.Users[r].Alpha, run.Users[r].Alpha);
                Assert.Equal(solver.Users[r].Auxiliary, run.Users[r].Auxiliary);
            }
        }

        // Every link grain holds the solver's load and price, so each flow was priced over its own route.
        for (var l = 0; l < network.Links.Count; l++)
        {
            var link = Assert.IsType<DbinumLinkView>((await runtime.GetGrain<ILinkGrain>(DbinumControlPlane.LinkId(l)).GetStateAsync(CancellationToken.None)).Dbinum);
            Assert.Equal(solver.Links[l].Load, link.Load);
            Assert.Equal(solver.Links[l].Price, link.Price);
            Assert.Equal(solver.Links[l].Users, link.Users);
        }

        // The run did something: the quadratic flow 1 gained on the shared Kansas City-Indianapolis link.
        Assert.True(run.Users[0].Rate > network.InitialRates()[0] + 3);
        Assert.True(run.Users[2].Alpha > 2);
    }

    [Fact]
    public void Network_Abilene_OneCellPerLinkAndEachFlowServedByItsFirstLink()
    {
        var scenario = new AbileneScenario();
        var network = scenario.CreateNetwork();

        var region = Assert.Single(DbinumControlPlane.Network(network).Regions);

        Assert.Equal(14, region.CellIds.Count);
        Assert.Equal("r000/c13", region.CellIds[13]);
        Assert.Equal(["r000/u000", "r000/u001", "r000/u002", "r000/u003"], region.UserIds);
        Assert.Equal([1, 2, 4, 5], region.ServingCell);
        Assert.Equal("num-abilene", region.Scenario);
    }
}
