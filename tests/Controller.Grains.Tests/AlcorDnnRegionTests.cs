using Controller.Optimization.Policies;
using Controller.Policies;

namespace Controller.Grains.Tests;

/// <summary>Paper 001's neural allocators (committed <c>alcor-dnn</c> artifacts) run by regions on the managed model, as eval runs them.</summary>
public sealed class AlcorDnnRegionTests
{
    [Theory]
    [InlineData("alcor(dnn:alcor-dnn-centralized-n20)")]
    [InlineData("alcor(dnn:alcor-dnn-distributed-n20)")]
    [InlineData("dnn:alcor-dnn-fixed-n20")]
    public Task Region_loops_give_the_rates_of_controller_eval(string policy) => RegionEvalAgreement.AssertAsync(
        "gaussian-ic",
        [new("links", "5"), new("demands", "0.5,1,1.5,0.5,1")],
        new ControlPlaneOptions { Policy = policy, Seed = 3 },
        new ControlPolicies(new LearnedPolicies()),
        slots: 60);
}
