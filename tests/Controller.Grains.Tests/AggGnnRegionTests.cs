using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>
/// <c>agg-gnn:NAME</c> in region grains, with the aggregation messages exchanged through the cell grains (the
/// default) or kept in the region's policy: both must make exactly the decisions of <c>controller eval</c>.
/// </summary>
public sealed class AggGnnRegionTests
{
    private const string Policy = "agg-gnn:agg-gnn-m25";
    [Theory]
    [InlineData(true, "1")]
    [InlineData(false, "1")]
    [InlineData(true, "0.5")]
    [InlineData(false, "0.5")]
    public async Task Agg_gnn_region_loops_give_the_rates_of_controller_eval(bool throughCells, string awake)
    {
        const int slots = 40;
        // awake < 1: paper 004's asynchronous setting; the simulator's telemetry carries the wake flags.
        KeyValuePair<string, string>[] Settings = [new("pairs", "12"), new("delta", "0.3"), new("awake", awake)];
        var provider = new ControlPolicies(new LearnedPolicies());
        await RegionEvalAgreement.AssertAsync("agg-gnn", Settings, new ControlPlaneOptions { Policy = Policy, Seed = 5, AggregationThroughCells = throughCells }, provider, slots, then: async (runtime, simulator) =>
        {
            // Through cells, every cell grain holds its node's sequence y_i(t); otherwise no cell joined an aggregation.
            var cell = runtime.GetGrain<ICellGrain>(simulator.Topology.Regions[0].CellIds[3]);
            if (throughCells)
            {
                var sequence = await cell.AggregationSequenceAsync(CancellationToken.None);
                Assert.Equal(5, sequence.Length);
                Assert.True(sequence[0] > 0 && sequence[^1] > 0, string.Join(", ", sequence));
            }
            else
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => cell.AggregationSequenceAsync(CancellationToken.None).AsTask());
            }
        });
    }

    [Fact]
    public async Task Agg_gnn_on_a_region_whose_cells_serve_several_users_fails_the_loop_with_the_reason()
    {
        var provider = new ControlPolicies(new LearnedPolicies());
        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: 1));
        var plane = new Hosting.ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { Policy = Policy }, provider);
        await using var runtime = await TestSilo.StartAsync(plane);
        var region = runtime.GetGrain<IRegionGrain>(RanIds.Region(0));

        Assert.Equal(LoopOutcome.Failed, await region.RunLoopAsync(CancellationToken.None));
        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.Contains("one-to-one links", status.LastReason, StringComparison.Ordinal);
        // The region keeps running: a switch to a policy that fits takes effect on the next loop.
        await region.SetPolicyAsync("itlinq", CancellationToken.None);
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
    }
}
