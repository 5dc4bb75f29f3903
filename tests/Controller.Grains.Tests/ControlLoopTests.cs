using System.Diagnostics;
using Controller.Grains.Diagnostics;
using Controller.Radio;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using Controller.Optimization.Policies;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

public sealed class ControlLoopTests
{
    [Fact]
    public async Task Loops_update_every_user_and_record_cell_decisions()
    {
        await using var harness = await ControlHarness.StartAsync();
        await harness.RunLoopsAsync(5);

        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(5, status.Iterations);
        Assert.Equal(4, status.LastSlot);
        Assert.Equal(ControlPlaneOptions.DefaultPolicy, status.Policy);
        for (var u = 0; u < 12; u++)
        {
            var user = await harness.User(0, u).GetStateAsync(CancellationToken.None);
            Assert.Equal(5, user.Observations);
            Assert.Equal(4, user.LastSlot);
            Assert.Equal(1, user.Demand); // resilient-rrm's fmin
            Assert.True(user.Alcor.Kappa is > 0 and <= 1);
        }

        var cell = await harness.Runtime.GetGrain<ICellGrain>(RanIds.Cell(RanIds.Region(0), 1)).GetViewAsync(CancellationToken.None);
        Assert.Equal(5, cell.Decisions);
        Assert.Equal(4, cell.LastDecision!.Value.Slot);
        Assert.Equal(2, cell.Neighbours.Count);
        Assert.All(cell.Users, u => Assert.Equal(1, harness.Simulator.Topology.Regions[0].ServingCell[int.Parse(u[^3..], System.Globalization.CultureInfo.InvariantCulture)]));
        // The other region was never driven.
        Assert.Equal(0, (await harness.Region(1).GetStatusAsync(CancellationToken.None)).Iterations);
    }

    [Theory]
    [InlineData("alcor(wmmse)")]
    [InlineData("wmmse")]
    [InlineData("full-reuse")]
    [InlineData("itlinq")]
    public async Task Region_loops_give_the_rates_of_controller_eval(string policy)
    {
        // Paper 001's network with demands, no warm-up: the grains' loop and the batch evaluator must make the
        // same decisions slot by slot (same policy code, same random stream per configuration).
        const int slots = 60;
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var assignments = new KeyValuePair<string, string>[] { new("links", "5"), new("demands", "0.5,1,1.5,0.5,1") };
        var recorder = (RecordingRan?)null;
        await using var harness = await ControlHarness.StartAsync(
            new RanSimulatorOptions { Scenario = "gaussian-ic", Regions = 2, Seed = 3, Settings = assignments },
            new ControlPlaneOptions { Policy = policy, Seed = 3 },
            wrap: sim => recorder = new RecordingRan(sim));
        for (var region = 0; region < 2; region++)
        {
            for (var slot = 0; slot < slots; slot++)
            {
                Assert.Equal(LoopOutcome.Completed, await harness.Region(region).RunLoopAsync(CancellationToken.None));
            }
        }

        var expected = Evaluator.Run(
            new EvaluationRequest(scenario, scenario.Resolve(assignments), policy, 3, 2, slots, ControlPolicies.Provider),
            progress: null,
            CancellationToken.None);
        for (var region = 0; region < 2; region++)
        {
            var averages = recorder!.AverageRates(RanIds.Region(region));
            var reference = expected.Configurations[region].AverageRates;
            Assert.Equal(reference.Length, averages.Length);
            for (var u = 0; u < averages.Length; u++)
            {
                Assert.Equal(reference[u], averages[u], 12);
            }
        }
    }

    [Fact]
    public async Task A_policy_switch_takes_effect_on_the_next_loop_and_keeps_user_state()
    {
        await using var harness = await ControlHarness.StartAsync();
        await harness.RunLoopsAsync(60);
        var before = await harness.User(0, 3).GetStateAsync(CancellationToken.None);

        await harness.Region(0).SetPolicyAsync("alcor(wmmse)", CancellationToken.None);
        var pending = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(ControlPlaneOptions.DefaultPolicy, pending.Policy);
        Assert.Equal("alcor(wmmse)", pending.PendingPolicy);

        await harness.RunLoopsAsync(1);
        var switched = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal("alcor(wmmse)", switched.Policy);
        Assert.Null(switched.PendingPolicy);
        Assert.Equal(61, switched.Iterations);
        var cell = await harness.Runtime.GetGrain<ICellGrain>(RanIds.Cell(RanIds.Region(0), 0)).GetViewAsync(CancellationToken.None);
        Assert.Equal("alcor(wmmse)", cell.LastDecision!.Value.Policy);

        var after = await harness.User(0, 3).GetStateAsync(CancellationToken.None);
        Assert.Equal(before.Observations + 1, after.Observations);
        // One more step from where the user was, not a restart: the average moves by one EMA step and the
        // ALCOR iteration count carries on.
        var weight = harness.Options.RateAverageWeight;
        Assert.Equal(((1 - weight) * before.RateAverage) + (weight * after.LastRate), after.RateAverage, 12);
        Assert.True(before.Alcor.Iteration > 0);
        Assert.True(after.Alcor.Iteration >= before.Alcor.Iteration);
        Assert.Equal(before.Resilient.Updates + 1, after.Resilient.Updates);
    }

    [Fact]
    public async Task Unknown_policy_is_refused_and_the_region_keeps_running()
    {
        await using var harness = await ControlHarness.StartAsync();
        await harness.RunLoopsAsync(2);
        var error = await Assert.ThrowsAsync<RadioInputException>(() => harness.Region(0).SetPolicyAsync("wmmse-fast", CancellationToken.None));
        Assert.Contains("Unknown policy 'wmmse-fast'", error.Message, StringComparison.Ordinal);
        await harness.RunLoopsAsync(1);
        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(ControlPlaneOptions.DefaultPolicy, status.Policy);
        Assert.Equal(3, status.Iterations);
    }

    [Fact]
    public async Task Demand_overrides_reach_users_and_bad_demands_are_refused()
    {
        await using var harness = await ControlHarness.StartAsync();
        await harness.Region(0).SetDemandAsync(2, 2.5, CancellationToken.None);
        await harness.RunLoopsAsync(1);
        Assert.Equal(2.5, (await harness.User(0, 2).GetStateAsync(CancellationToken.None)).Demand);
        Assert.Equal(1, (await harness.User(0, 3).GetStateAsync(CancellationToken.None)).Demand);

        foreach (var bad in new[] { -1, double.PositiveInfinity })
        {
            var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Region(0).SetDemandAsync(2, bad, CancellationToken.None));
            Assert.Contains("r000/u002", error.Message, StringComparison.Ordinal);
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Region(0).SetDemandAsync(12, 1, CancellationToken.None));
        await harness.RunLoopsAsync(1);
        Assert.Equal(2.5, (await harness.User(0, 2).GetStateAsync(CancellationToken.None)).Demand);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Region(0).SetDemandAsync(2, double.NaN, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Region(0).SetDemandAsync(2, ControlPlaneOptions.MaxDemand + 1, CancellationToken.None));
        await harness.Region(0).ClearDemandAsync(2, CancellationToken.None); // an explicit operation
        await harness.RunLoopsAsync(1);
        Assert.Equal(1, (await harness.User(0, 2).GetStateAsync(CancellationToken.None)).Demand);
    }

    [Fact]
    public async Task Timed_loops_update_every_user_also_on_loops_without_reports()
    {
        // Reports every 4th timed loop; the loops in between update users one-way. Every loop must still reach every user.
        await using var harness = await ControlHarness.StartAsync(ControlHarness.SmallNetwork(regions: 1), new ControlPlaneOptions { UserReportEvery = 4, PeriodMs = 5 });
        await harness.Region(0).StartAsync(policy: null, periodMs: 0, CancellationToken.None);
        for (var wait = 0; wait < 2_000 && (await harness.Region(0).GetStatusAsync(CancellationToken.None)).Iterations < 9; wait++)
        {
            await Task.Delay(10);
        }

        await harness.Region(0).StopAsync(CancellationToken.None);
        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.True(status.Iterations >= 9, $"{status.Iterations} loops");
        Assert.Equal(0, status.FailedLoops);
        for (var u = 0; u < 12; u++)
        {
            var user = await harness.User(0, u).GetStateAsync(CancellationToken.None);
            Assert.Equal(status.Iterations, user.Observations);
            Assert.Equal(status.LastSlot, user.LastSlot);
        }
    }

    [Fact]
    public async Task Demand_schedule_of_the_simulator_reaches_users()
    {
        var options = ControlHarness.SmallNetwork(regions: 1);
        var sim = new RanSimulatorOptions
        {
            Scenario = options.Scenario,
            Regions = 1,
            Seed = options.Seed,
            Settings = options.Settings,
            DemandSchedule = [new DemandChange(3, "r000/u004", 0.25)],
        };
        await using var harness = await ControlHarness.StartAsync(sim);
        await harness.RunLoopsAsync(3);
        Assert.Equal(1, (await harness.User(0, 4).GetStateAsync(CancellationToken.None)).Demand);
        await harness.RunLoopsAsync(1);
        Assert.Equal(0.25, (await harness.User(0, 4).GetStateAsync(CancellationToken.None)).Demand);
    }

    [Fact]
    public async Task Unknown_region_fails_activation_with_its_name()
    {
        await using var harness = await ControlHarness.StartAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => harness.Runtime.GetGrain<IRegionGrain>("r999").GetStatusAsync(CancellationToken.None));
        Assert.Contains("r999", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task State_resumes_on_the_same_state_directory()
    {
        var directory = Directory.CreateTempSubdirectory("grains-resume-");
        try
        {
            UserState first;
            await using (var harness = await ControlHarness.StartAsync(stateDirectory: directory.FullName))
            {
                await harness.Region(0).SetPolicyAsync("alcor(wmmse)", CancellationToken.None);
                await harness.Region(0).SetDemandAsync(1, 1.75, CancellationToken.None);
                await harness.RunLoopsAsync(30);
                first = await harness.User(0, 1).GetStateAsync(CancellationToken.None);
            }

            // A new process: a fresh simulator (slot 0 again) and runtime over the same files.
            await using (var harness = await ControlHarness.StartAsync(stateDirectory: directory.FullName))
            {
                var resumed = await harness.User(0, 1).GetStateAsync(CancellationToken.None);
                Assert.Equal(first.Observations, resumed.Observations);
                Assert.Equal(first.RateAverage, resumed.RateAverage);
                Assert.Equal(first.Resilient, resumed.Resilient);
                Assert.Equal(first.Alcor, resumed.Alcor);
                var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
                Assert.Equal("alcor(wmmse)", status.Policy);
                Assert.Equal(30, status.Iterations);

                await harness.RunLoopsAsync(1);
                var next = await harness.User(0, 1).GetStateAsync(CancellationToken.None);
                Assert.Equal(first.Observations + 1, next.Observations);
                Assert.Equal(1.75, next.Demand);
                Assert.Equal(0, next.LastSlot); // the new RAN started over; the user's learning did not
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
