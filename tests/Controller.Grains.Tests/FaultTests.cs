using Microsoft.Extensions.DependencyInjection;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

public sealed class FaultTests
{
    [Theory]
    [InlineData(RanFaultKind.NanGains, TelemetryDefect.NonFiniteValue)]
    [InlineData(RanFaultKind.NegativeGains, TelemetryDefect.NegativeValue)]
    [InlineData(RanFaultKind.MissingGains, TelemetryDefect.MissingValues)]
    [InlineData(RanFaultKind.UnknownIds, TelemetryDefect.UnknownIds)]
    public async Task Bad_telemetry_is_rejected_counted_and_the_last_good_decision_is_held(RanFaultKind kind, TelemetryDefect defect)
    {
        DecisionLog? log = null;
        await using var harness = await ControlHarness.StartAsync(wrap: sim => log = new DecisionLog(sim));
        await harness.RunLoopsAsync(3);
        var before = await harness.User(0, 0).GetStateAsync(CancellationToken.None);

        harness.Simulator.InjectFault("r000", new RanFault(kind));
        Assert.Equal(LoopOutcome.TelemetryRejected, await harness.Region(0).RunLoopAsync(CancellationToken.None));

        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(1, status.RejectedTelemetry);
        Assert.Equal(1, status.HeldDecisions);
        Assert.Equal(3, status.Iterations);
        Assert.Equal(LoopOutcome.TelemetryRejected, status.LastOutcome);
        Assert.False(string.IsNullOrEmpty(status.LastReason));
        Assert.Equal(defect, TelemetryCheckOf(status.LastReason, defect));
        // Nothing was learned from the bad sample ...
        var held = await harness.User(0, 0).GetStateAsync(CancellationToken.None);
        Assert.Equal(before.Observations, held.Observations);
        Assert.Equal(before.Resilient, held.Resilient);
        // ... and the RAN kept serving the last good decision for the slot it was at.
        var pushes = log!.Decisions("r000");
        Assert.Equal(4, pushes.Count);
        Assert.Equal(3, pushes[3].Slot);
        Assert.Equal(pushes[2].Power, pushes[3].Power);
        Assert.Equal(pushes[2].ServedUser, pushes[3].ServedUser);

        // The fault is over: the loop carries on from the next slot.
        Assert.Equal(LoopOutcome.Completed, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        var after = await harness.User(0, 0).GetStateAsync(CancellationToken.None);
        Assert.Equal(before.Observations + 1, after.Observations);
        Assert.Equal(4, after.LastSlot);
    }

    [Fact]
    public async Task A_late_sample_is_rejected_without_touching_the_RAN()
    {
        DecisionLog? log = null;
        await using var harness = await ControlHarness.StartAsync(wrap: sim => log = new DecisionLog(sim));
        await harness.RunLoopsAsync(3);
        harness.Simulator.InjectFault("r000", new RanFault(RanFaultKind.LateSample));
        Assert.Equal(LoopOutcome.TelemetryRejected, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(1, status.RejectedTelemetry);
        Assert.Equal(0, status.HeldDecisions);
        Assert.Contains("slot 2", status.LastReason, StringComparison.Ordinal);
        Assert.Equal(3, log!.Decisions("r000").Count);

        Assert.Equal(LoopOutcome.Completed, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        Assert.Equal(3, (await harness.User(0, 0).GetStateAsync(CancellationToken.None)).LastSlot);
    }

    [Fact]
    public async Task An_unreachable_RAN_leaves_cells_on_their_last_decision_until_it_returns()
    {
        await using var harness = await ControlHarness.StartAsync();
        await harness.RunLoopsAsync(3);
        var cell = harness.Runtime.GetGrain<ICellGrain>("r000/c00");
        var last = (await cell.GetViewAsync(CancellationToken.None)).LastDecision;

        harness.Simulator.InjectFault("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 2));
        Assert.Equal(LoopOutcome.RanUnavailable, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        Assert.Equal(LoopOutcome.RanUnavailable, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(2, status.Unavailable);
        Assert.Equal(3, status.Iterations);
        Assert.Equal(last, (await cell.GetViewAsync(CancellationToken.None)).LastDecision);

        Assert.Equal(LoopOutcome.Completed, await harness.Region(0).RunLoopAsync(CancellationToken.None));
        Assert.Equal(3, (await cell.GetViewAsync(CancellationToken.None)).LastDecision!.Value.Slot);
        Assert.Equal(2, harness.Monitor.Aggregate().Unavailable);
    }

    [Fact]
    public async Task Loops_on_a_timer_survive_faults_and_count_them()
    {
        await using var harness = await ControlHarness.StartAsync(options: new ControlPlaneOptions { PeriodMs = 5 });
        await harness.Runtime.StartAllAsync(harness.Topology, "itlinq", 0, CancellationToken.None);
        await WaitForAsync(() => harness.Monitor.Loops >= 10);
        harness.Simulator.InjectFault("r001", new RanFault(RanFaultKind.NanGains, Pulls: 3));
        var loops = harness.Monitor.Loops;
        await WaitForAsync(() => harness.Monitor.Loops >= loops + 20);
        await harness.Runtime.StopAllAsync(harness.Topology, CancellationToken.None);

        var status = await harness.Region(1).GetStatusAsync(CancellationToken.None);
        Assert.False(status.Running);
        Assert.Equal("itlinq", status.Policy);
        Assert.Equal(3, status.RejectedTelemetry);
        Assert.Equal(3, harness.Monitor.Aggregate().RejectedTelemetry);
        Assert.True(status.Iterations > 5);
    }

    [Fact]
    public async Task After_the_RAN_restarts_its_slot_numbering_loops_go_on_by_themselves()
    {
        var ran = (RestartingRan?)null;
        await using var harness = await ControlHarness.StartAsync(ControlHarness.SmallNetwork(regions: 1), wrap: sim => ran = new RestartingRan(sim, () => new RanSimulator(ControlHarness.SmallNetwork(regions: 1))));
        await harness.RunLoopsAsync(4);
        var before = await harness.User(0, 0).GetStateAsync(CancellationToken.None);

        ran!.Restart(); // slot 0 again, its clock later than every sample so far
        await harness.RunLoopsAsync(3);

        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        Assert.Equal(7, status.Iterations);
        Assert.Equal(2, status.LastSlot);
        Assert.Equal(0, status.RejectedTelemetry);
        // Users keep what they learned across the RAN's restart.
        Assert.Equal(before.Observations + 3, (await harness.User(0, 0).GetStateAsync(CancellationToken.None)).Observations);
    }

    [Fact]
    public async Task A_running_region_whose_activation_is_lost_is_brought_back_by_its_watchdog_reminder()
    {
        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: 1));
        var options = new ControlPlaneOptions { PeriodMs = 20, LoopWatchdogPeriod = TimeSpan.FromSeconds(1) };
        await using var silo = await TestSilo.StartAsync(
            new Hosting.ControlPlaneSetup(simulator, simulator.Topology, options),
            services: s => s.Configure<Orleans.Hosting.ReminderOptions>(r => r.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));
        var region = silo.GetGrain<IRegionGrain>("r000");
        await region.StartAsync(policy: null, periodMs: 0, CancellationToken.None);
        await WaitForAsync(() => silo.Monitor.Loops >= 5);

        await silo.DeactivateAsync(region);
        var afterLoss = silo.Monitor.Loops;

        // Nothing calls the region: only its reminder can reactivate it, and the activation resumes the stored loop.
        await WaitForAsync(() => silo.Monitor.Loops >= afterLoss + 5);
        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.True(status.Running);
        await region.StopAsync(CancellationToken.None);
    }

    /// <summary>A RAN that can be restarted: a fresh simulator (slot 0) behind the same adapter.</summary>
    private sealed class RestartingRan(RanSimulator first, Func<RanSimulator> next) : IRanAdapter
    {
        private RanSimulator _current = first;

        public void Restart() => _current = next();

        public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) => _current.GetTopologyAsync(cancellationToken);

        public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken) => _current.PullTelemetryAsync(regionId, cancellationToken);

        public Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken) => _current.PushDecisionsAsync(regionId, decision, cancellationToken);
    }

    [Fact]
    public async Task A_policy_that_fails_to_build_fails_the_loop_not_the_region()
    {
        var sim = new RanSimulator(ControlHarness.SmallNetwork(regions: 1));
        var plane = new Hosting.ControlPlaneSetup(sim, sim.Topology, new ControlPlaneOptions(), new BrokenPolicyProvider());
        await using var runtime = await TestSilo.StartAsync(plane);
        var region = runtime.GetGrain<IRegionGrain>("r000");
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));

        await region.SetPolicyAsync("broken", CancellationToken.None);
        Assert.Equal(LoopOutcome.Failed, await region.RunLoopAsync(CancellationToken.None));
        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.Equal(1, status.FailedLoops);
        Assert.Equal("the weights went missing", status.LastReason);
        Assert.Equal(1, runtime.Monitor.Aggregate().FailedLoops);
        Assert.Equal("r000: the weights went missing", runtime.Monitor.Aggregate().LastFailure);

        await region.SetPolicyAsync("itlinq", CancellationToken.None);
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        Assert.Equal(2, (await region.GetStatusAsync(CancellationToken.None)).Iterations);
    }

    /// <summary>Accepts the name "broken" but cannot build it (an artifact deleted after validation, say).</summary>
    private sealed class BrokenPolicyProvider : Controller.Radio.Policies.IPolicyProvider
    {
        public IReadOnlyList<(string Name, string Description)> Policies => Controller.Optimization.Policies.ControlPolicies.Provider.Policies;

        public void Validate(string spec)
        {
            if (spec != "broken")
            {
                Controller.Optimization.Policies.ControlPolicies.Provider.Validate(spec);
            }
        }

        public Controller.Radio.Policies.IAllocationPolicy Create(string spec, ulong seed, int configurationIndex) => spec == "broken"
            ? throw new InvalidOperationException("the weights went missing")
            : Controller.Optimization.Policies.ControlPolicies.Provider.Create(spec, seed, configurationIndex);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The loops did not get there within 30 s.");
            await Task.Delay(10);
        }
    }

    /// <summary>The defect a reason names, checked against the kinds of sentences TelemetryCheck writes.</summary>
    private static TelemetryDefect TelemetryCheckOf(string reason, TelemetryDefect expected) => expected switch
    {
        TelemetryDefect.NonFiniteValue when reason.Contains("NaN", StringComparison.Ordinal) => expected,
        TelemetryDefect.NegativeValue when reason.Contains('-', StringComparison.Ordinal) => expected,
        TelemetryDefect.MissingValues when reason.Contains("gain rows", StringComparison.Ordinal) => expected,
        TelemetryDefect.UnknownIds when reason.Contains("gain rows", StringComparison.Ordinal) || reason.Contains("user", StringComparison.Ordinal) => expected,
        _ => TelemetryDefect.None,
    };

    private sealed class DecisionLog(RanSimulator inner) : IRanAdapter
    {
        private readonly Dictionary<string, List<RegionDecision>> _decisions = [];

        public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) => inner.GetTopologyAsync(cancellationToken);

        public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken) => inner.PullTelemetryAsync(regionId, cancellationToken);

        public async Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken)
        {
            var receipt = await inner.PushDecisionsAsync(regionId, decision, cancellationToken);
            lock (_decisions)
            {
                if (!_decisions.TryGetValue(regionId, out var list))
                {
                    _decisions[regionId] = list = [];
                }

                list.Add(decision);
            }

            return receipt;
        }

        public List<RegionDecision> Decisions(string regionId)
        {
            lock (_decisions)
            {
                return [.. _decisions[regionId]];
            }
        }
    }
}
