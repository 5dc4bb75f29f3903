using Controller.Grains.Inference;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>Paper 001's neural allocators (committed <c>alcor-dnn</c> artifacts) run by regions on the managed model, as eval runs them.</summary>
public sealed class AlcorDnnRegionTests
{
    private const int Slots = 60;
    private const int Regions = 2;

    [Theory]
    [InlineData("alcor(dnn:alcor-dnn-centralized-n20)")]
    [InlineData("alcor(dnn:alcor-dnn-distributed-n20)")]
    [InlineData("dnn:alcor-dnn-fixed-n20")]
    public Task Region_loops_give_the_rates_of_controller_eval(string policy) => RegionEvalAgreement.AssertAsync(
        "gaussian-ic",
        [new("links", "5"), new("demands", "0.5,1,1.5,0.5,1")],
        new ControlPlaneOptions { Policy = policy, Seed = 3 },
        new ControlPolicies(new LearnedPolicies()),
        slots: Slots,
        regions: Regions);

    /// <summary>
    /// With the inference silo role the network runs there (one question per region and slot), ALCOR and the
    /// distributed network's local measurements stay in the region, and the decisions do not change.
    /// </summary>
    [Theory]
    [InlineData("alcor(dnn:alcor-dnn-centralized-n20)", "alcor-dnn-centralized-n20")]
    [InlineData("alcor-simple(dnn:alcor-dnn-distributed-n20)", "alcor-dnn-distributed-n20")]
    [InlineData("dnn:alcor-dnn-fixed-n20", "alcor-dnn-fixed-n20")]
    public Task Through_the_inference_silo_region_loops_still_give_the_rates_of_controller_eval(string policy, string artifact) => RegionEvalAgreement.AssertAsync(
        "gaussian-ic",
        [new("links", "5"), new("demands", "0.5,1,1.5,0.5,1")],
        new ControlPlaneOptions { Policy = policy, Seed = 3, InferenceSilo = true },
        new ControlPolicies(new LearnedPolicies()),
        slots: Slots,
        regions: Regions,
        then: async (runtime, _) =>
        {
            var stats = await runtime.GetGrain<IDnnInferenceGrain>(artifact).GetStatsAsync(CancellationToken.None);
            Assert.Equal(Slots * Regions, stats.Requests);
            Assert.Equal(runtime.SiloAddresses[1], stats.Silo);
        },
        inferenceSilo: true);

    [Fact]
    public async Task A_malformed_question_is_refused_with_its_reason()
    {
        var simulator = new RanSimulator(new RanSimulatorOptions { Scenario = "gaussian-ic", Regions = 1, Seed = 1 });
        var plane = new Hosting.ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { InferenceSilo = true }, new ControlPolicies(new LearnedPolicies()));
        await using var runtime = await TestSilo.StartAsync(plane, inferenceSilo: true);
        var grain = runtime.GetGrain<IDnnInferenceGrain>("alcor-dnn-fixed-n20");

        var wrongSize = await Assert.ThrowsAsync<ArgumentException>(() => grain.InferAsync(new DnnQuestion(1, [1.0, 2.0]), CancellationToken.None));
        var notFinite = await Assert.ThrowsAsync<ArgumentException>(() => grain.InferAsync(new DnnQuestion(1, [.. Enumerable.Repeat(double.NaN, 400)]), CancellationToken.None));

        Assert.Equal("Inference question for policy 'dnn:alcor-dnn-fixed-n20' has 2 inputs for 1 rows of 400.", wrongSize.Message);
        Assert.Equal("Inference question for policy 'dnn:alcor-dnn-fixed-n20' has an input that is not finite.", notFinite.Message);
        Assert.Equal(0, (await grain.GetStatsAsync(CancellationToken.None)).Requests);
    }
}
