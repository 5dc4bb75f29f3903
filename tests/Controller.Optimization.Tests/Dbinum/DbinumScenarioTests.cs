using Controller.Optimization.Dbinum;
using Controller.Radio;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class DbinumScenarioTests
{
    [Fact]
    public void Abilene_RoutingMatrix_IsTheDocumentedOne()
    {
        var network = new AbileneScenario().CreateNetwork();

        // Rows: the 14 backbone links in AbileneScenario.BackboneLinks order; columns: flows 1-4.
        int[,] expected =
        {
            { 0, 0, 0, 0 }, // Seattle-Sunnyvale
            { 1, 0, 0, 0 }, // Seattle-Denver
            { 0, 1, 0, 0 }, // Sunnyvale-Los Angeles
            { 0, 0, 0, 0 }, // Sunnyvale-Denver
            { 0, 1, 1, 0 }, // Los Angeles-Houston
            { 1, 0, 0, 1 }, // Denver-Kansas City
            { 0, 0, 1, 0 }, // Kansas City-Houston
            { 1, 0, 1, 1 }, // Kansas City-Indianapolis
            { 0, 1, 0, 0 }, // Houston-Atlanta
            { 1, 0, 1, 0 }, // Indianapolis-Chicago
            { 0, 0, 0, 1 }, // Indianapolis-Atlanta
            { 1, 0, 0, 0 }, // Chicago-New York
            { 0, 0, 0, 0 }, // New York-Washington
            { 0, 0, 0, 1 }, // Washington-Atlanta
        };
        Assert.Equal(expected, network.RoutingMatrix());
        Assert.Equal("Kansas City-Indianapolis", network.LinkNames[7]);
        Assert.Equal(["Seattle -> New York", "Sunnyvale -> Atlanta", "Los Angeles -> Chicago", "Denver -> Washington"], network.Flows.Select(f => f.Name));
        Assert.Equal([1, 5, 7, 9, 11], network.Flows[0].Route);
    }

    [Fact]
    public void Abilene_Capacities_AreThePapers20WithTau001OnEveryLink()
    {
        var network = new AbileneScenario().CreateNetwork();

        Assert.Equal(14, network.Links.Count);
        Assert.All(network.Links, l => Assert.Equal(new DbinumLink(20, 0.01), l));
        // 11 nodes, each link joins two of them.
        Assert.Equal(11, AbileneScenario.BackboneLinks.SelectMany(l => new[] { l.From, l.To }).Distinct().Count());
    }

    [Fact]
    public void Abilene_Figure6Parameters_GiveThatFiguresUtilities()
    {
        var scenario = new AbileneScenario();

        var network = scenario.CreateNetwork(scenario.Resolve(AbileneScenario.Figure6));

        Assert.Equal(new QuadraticUtility(3), network.Flows[0].Utility);
        Assert.Equal(new SquareRootUtility(0.5, 0.2), network.Flows[1].Utility);
        Assert.Equal(new LogUtility(0.5, 2), network.Flows[2].Utility);
        Assert.Equal(new SShapeUtility(1.8, 2), network.Flows[3].Utility);
        Assert.Equal(new AlphaFairFlowUtility(1.5), scenario.CreateNetwork(scenario.Resolve([new("alpha4", "1.5")])).Flows[3].Utility);
    }

    [Fact]
    public void InitialRates_FillEveryLinkAtMostHalf()
    {
        var network = new AbileneScenario().CreateNetwork();

        var rates = network.InitialRates();

        // Flows 1, 3, 4 share Kansas City-Indianapolis: 20 / (2 x 3); flow 2 shares Los Angeles-Houston with flow 3: 20 / 4.
        Assert.Equal([20.0 / 6, 5, 20.0 / 6, 20.0 / 6], rates);
        var matrix = network.RoutingMatrix();
        for (var l = 0; l < network.Links.Count; l++)
        {
            Assert.True(Enumerable.Range(0, rates.Length).Sum(r => matrix[l, r] * rates[r]) <= network.Links[l].Capacity / 2);
        }
    }

    [Fact]
    public void SingleLink_FiveUsers_IsFigure3sNetwork()
    {
        var scenario = DbinumScenarioCatalog.Get("num-single-link");

        var network = scenario.CreateNetwork(scenario.Resolve([new("users", "5"), new("trueAlphas", "0.5,0.4,0.6,0.6666666666666666,0.6666666666666666")]));

        Assert.Equal(5, network.Flows.Count);
        Assert.All(network.Flows, f => Assert.Equal([0], f.Route));
        Assert.Equal(new AlphaFairFlowUtility(0.4), network.Flows[1].Utility);
        Assert.Equal([10.0, 10, 10, 10, 10], network.InitialRates());
        Assert.Equal(100, Assert.Single(network.Links).Capacity);
    }

    [Fact]
    public void Line_ThreeLinks_LongFlowCrossesAllAndOneShortFlowPerLink()
    {
        var scenario = DbinumScenarioCatalog.Get("num-line");

        var network = scenario.CreateNetwork(scenario.Resolve([new("trueAlphas", "2"), new("capacity", "10")]));

        int[,] expected = { { 1, 1, 0, 0 }, { 1, 0, 1, 0 }, { 1, 0, 0, 1 } };
        Assert.Equal(expected, network.RoutingMatrix());
        Assert.All(network.Flows, f => Assert.Equal(new AlphaFairFlowUtility(2), f.Utility));
        Assert.All(network.Links, l => Assert.Equal(10, l.Capacity));
    }

    [Theory]
    [InlineData("num-abilene", "capacity", "0", "Setting 'capacity' of scenario 'num-abilene' got '0'; it must be a number in [0.001, 1000000] (rate units).")]
    [InlineData("num-abilene", "a4", "abc", "Setting 'a4' of scenario 'num-abilene' got 'abc'; it must be a number in [0.01, 10].")]
    [InlineData("num-abilene", "tau", "-1", "Setting 'tau' of scenario 'num-abilene' got '-1'; it must be a number in [1E-06, 100].")]
    [InlineData("num-single-link", "users", "0", "Setting 'users' of scenario 'num-single-link' got '0'; it must be an integer in [1, 1000].")]
    [InlineData("num-single-link", "users", "4", "Setting 'trueAlphas' of scenario 'num-single-link' has 3 values; give one value for all flows or exactly 4 (one per flow).")]
    [InlineData("num-single-link", "trueAlphas", "0.5,-2,1", "Setting 'trueAlphas' of scenario 'num-single-link' got '0.5,-2,1'; it must be comma-separated numbers in [0.001, 100].")]
    [InlineData("num-line", "links", "2.5", "Setting 'links' of scenario 'num-line' got '2.5'; it must be an integer in [1, 1000].")]
    [InlineData("num-line", "speed", "1", "Unknown setting 'speed' for scenario 'num-line'; allowed: links, trueAlphas, capacity, tau.")]
    public void Resolve_BadValue_RejectedWithAPreciseMessage(string name, string key, string value, string message)
    {
        var error = Assert.Throws<RadioInputException>(() => DbinumScenarioCatalog.Get(name).Resolve([new(key, value)]));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Get_UnknownName_ListsTheKnownScenarios()
    {
        var error = Assert.Throws<RadioInputException>(() => DbinumScenarioCatalog.Get("num-ring"));

        Assert.Equal("Unknown DBiNUM scenario 'num-ring'; known: num-single-link, num-line, num-abilene.", error.Message);
    }

    [Fact]
    public void Constructor_RouteOverAnUnknownOrRepeatedLink_Throws()
    {
        var link = new DbinumLink(10, 0.01);
        var utility = new QuadraticUtility(1);

        Assert.Throws<ArgumentException>(() => new DbinumNetwork("t", ["a"], [link], [new DbinumFlow("f", [1], utility)]));
        Assert.Throws<ArgumentException>(() => new DbinumNetwork("t", ["a", "b"], [link, link], [new DbinumFlow("f", [0, 0], utility)]));
        Assert.Throws<ArgumentException>(() => new DbinumNetwork("t", ["a"], [link], [new DbinumFlow("f", [], utility)]));
    }

    [Fact]
    public void UtilityBound_Figure5_IsEachFlowAloneAtCapacity()
    {
        var scenario = new AbileneScenario();
        var network = scenario.CreateNetwork(scenario.Resolve(AbileneScenario.Figure5));

        var bound = network.UtilityBound();

        Assert.Equal((0.1 * 400) + (5 * (Math.Sqrt(20.4) - Math.Sqrt(0.4))) + (4 * Math.Log(21)) + Math.Pow(20, 0.8), bound, 1e-9);
        Assert.Equal(bound, network.TrueUtility([20, 20, 20, 20]), 1e-9);
    }
}
