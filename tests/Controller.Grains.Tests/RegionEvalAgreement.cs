using Controller.Grains.Diagnostics;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>Runs a policy's region loops on a simulated RAN and checks every user's average rate against <c>controller eval</c>'s to 12 digits.</summary>
internal static class RegionEvalAgreement
{
    /// <summary>
    /// Drives <paramref name="regions"/> regions for <paramref name="slots"/> loops with <paramref name="options"/> and
    /// <paramref name="provider"/>, compares with the evaluator on the same scenario, settings and seed, then runs
    /// <paramref name="then"/> on the still running silo (with <paramref name="inferenceSilo"/>, a second silo has the inference role).
    /// </summary>
    public static async Task AssertAsync(string scenarioName, KeyValuePair<string, string>[] settings, ControlPlaneOptions options, IPolicyProvider provider, int slots, int regions = 2, Func<TestSilo, RanSimulator, Task>? then = null, bool inferenceSilo = false)
    {
        var simulator = new RanSimulator(new RanSimulatorOptions { Scenario = scenarioName, Regions = regions, Seed = options.Seed, Settings = settings });
        var recorder = new RecordingRan(simulator);
        var plane = new Hosting.ControlPlaneSetup(recorder, simulator.Topology, options, provider);
        await using var runtime = await TestSilo.StartAsync(plane, inferenceSilo: inferenceSilo);
        for (var slot = 0; slot < slots; slot++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, regions).Select(r => runtime.GetGrain<IRegionGrain>(RanIds.Region(r)).RunLoopAsync(CancellationToken.None)));
            Assert.All(outcomes, o => Assert.Equal(LoopOutcome.Completed, o));
        }

        var scenario = ScenarioCatalog.Get(scenarioName);
        var expected = Evaluator.Run(new EvaluationRequest(scenario, scenario.Resolve(settings), options.Policy, options.Seed, regions, slots, provider), progress: null, CancellationToken.None);
        for (var region = 0; region < regions; region++)
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

        if (then is not null)
        {
            await then(runtime, simulator);
        }
    }
}
