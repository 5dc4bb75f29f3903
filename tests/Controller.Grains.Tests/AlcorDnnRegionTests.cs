using Controller.Grains.Diagnostics;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>Paper 001's neural allocators (committed <c>alcor-dnn</c> artifacts) run by regions on the managed model, as eval runs them.</summary>
public sealed class AlcorDnnRegionTests
{
    [Theory]
    [InlineData("alcor(dnn:alcor-dnn-centralized-n20)")]
    [InlineData("alcor(dnn:alcor-dnn-distributed-n20)")]
    [InlineData("dnn:alcor-dnn-fixed-n20")]
    public async Task Region_loops_give_the_rates_of_controller_eval(string policy)
    {
        const int slots = 60;
        KeyValuePair<string, string>[] settings = [new("links", "5"), new("demands", "0.5,1,1.5,0.5,1")];
        var provider = new ControlPolicies(new LearnedPolicies());
        var simulator = new RanSimulator(new RanSimulatorOptions { Scenario = "gaussian-ic", Regions = 2, Seed = 3, Settings = settings });
        var recorder = new RecordingRan(simulator);
        var plane = new Hosting.ControlPlaneSetup(recorder, simulator.Topology, new ControlPlaneOptions { Policy = policy, Seed = 3 }, provider);
        await using var runtime = await TestSilo.StartAsync(plane);
        for (var slot = 0; slot < slots; slot++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => runtime.GetGrain<IRegionGrain>(RanIds.Region(r)).RunLoopAsync(CancellationToken.None)));
            Assert.All(outcomes, o => Assert.Equal(LoopOutcome.Completed, o));
        }

        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var expected = Evaluator.Run(new EvaluationRequest(scenario, scenario.Resolve(settings), policy, 3, 2, slots, provider), progress: null, CancellationToken.None);
        for (var region = 0; region < 2; region++)
        {
            var averages = recorder.AverageRates(RanIds.Region(region));
            var reference = expected.Configurations[region].AverageRates;
            Assert.Equal(reference.Length, averages.Length);
            Assert.Contains(averages, r => r > 0);
            for (var u = 0; u < averages.Length; u++)
            {
                Assert.Equal(reference[u], averages[u], 12);
            }
        }
    }
}
