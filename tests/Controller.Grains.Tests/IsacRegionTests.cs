using Controller.Optimization.Policies;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

public sealed class IsacRegionTests
{
    private static RanSimulatorOptions Isac(int regions = 1) => new() { Scenario = "isac", Regions = regions, Seed = 5 };

    [Fact]
    public async Task Loops_of_isac_robust_report_finite_crlb_and_wsr_and_warm_start()
    {
        await using var harness = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-robust:3", Seed = 5 });

        await harness.RunLoopsAsync(3);

        var status = await harness.Region(0).GetStatusAsync(CancellationToken.None);
        var isac = status.Isac!;
        Assert.True(isac.Beamformed);
        Assert.True(isac.Crlb is > 0 and < double.PositiveInfinity, $"CRLB {isac.Crlb}");
        Assert.Equal(isac.Crlb!.Value, isac.TargetCrlb.Sum()!.Value, 12);
        Assert.True(isac.NominalWsr is > 0 and < double.PositiveInfinity, $"nominal WSR {isac.NominalWsr}");
        Assert.True(isac.TrueWsr is > 0 and < double.PositiveInfinity, $"true WSR {isac.TrueWsr}");
        // Loops 2 and 3 started from the design of the loop before.
        Assert.Equal(2, isac.WarmStarts);
        Assert.Equal(0.5, isac.CommunicationWeight);
        Assert.Equal(4, isac.Targets.Count);
        Assert.Equal(3, isac.IterationBudget);
        Assert.False(isac.AdaptiveBudget);
        Assert.NotNull(isac.SolveMs);
    }

    [Fact]
    public async Task Loops_of_the_default_isac_robust_adapt_their_iterations_and_record_them_in_the_meter()
    {
        var recorded = new System.Collections.Concurrent.ConcurrentBag<(int Iterations, string? Budget)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Diagnostics.ControlTelemetry.Name && instrument.Name == "controller.isac.iterations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "budget")
                {
                    recorded.Add((value, tag.Value as string));
                }
            }
        });
        listener.Start();
        await using var harness = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-robust", Seed = 5, PeriodMs = 200 });

        await harness.RunLoopsAsync(3);

        var isac = (await harness.Region(0).GetStatusAsync(CancellationToken.None)).Isac!;
        Assert.True(isac.AdaptiveBudget);
        Assert.InRange(isac.IterationBudget, 1, Controller.Optimization.Isac.IsacIterationBudget.DefaultCap);
        Assert.True(isac.SolveMs >= 0, $"solve {isac.SolveMs} ms");
        // Other tests' regions may record too (the listener is process-wide); this one's three loops are adaptive ones.
        Assert.True(recorded.Count(r => r.Budget == "adaptive") >= 3, string.Join(", ", recorded));
        Assert.All(recorded.Where(r => r.Budget == "adaptive"), r => Assert.InRange(r.Iterations, 1, Controller.Optimization.Isac.IsacIterationBudget.DefaultCap));
    }

    [Fact]
    public async Task Region_isac_loops_give_the_rates_of_controller_eval()
    {
        // The region decides on the channels its telemetry reports, eval on the scenario's own: same design, same rates.
        const int slots = 3;
        var recorder = (RecordingRan?)null;
        await using var harness = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-nonrobust:2", Seed = 5 }, wrap: sim => recorder = new RecordingRan(sim));
        await harness.RunLoopsAsync(slots);

        var scenario = ScenarioCatalog.Get("isac");
        var expected = Evaluator.Run(new EvaluationRequest(scenario, scenario.Resolve([]), "isac-nonrobust:2", 5, 1, slots, ControlPolicies.Provider));
        var averages = recorder!.AverageRates(RanIds.Region(0));
        var reference = expected.Configurations[0].AverageRates;
        Assert.Equal(reference.Length, averages.Length);
        for (var u = 0; u < averages.Length; u++)
        {
            Assert.Equal(reference[u], averages[u], 9);
        }
    }

    [Fact]
    public async Task Bad_telemetry_holds_the_last_beams()
    {
        var recorder = (RecordingRan?)null;
        await using var harness = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-nonrobust:1", Seed = 5 }, wrap: sim => recorder = new RecordingRan(sim));
        await harness.RunLoopsAsync(1);
        harness.Simulator.InjectFault("r000", new Controller.Ran.Contract.RanFault(Controller.Ran.Contract.RanFaultKind.NanGains));

        Assert.Equal(LoopOutcome.TelemetryRejected, await harness.Region(0).RunLoopAsync(CancellationToken.None));

        Assert.Equal(2, recorder!.Decisions.Count);
        var (applied, held) = (recorder.Decisions[0], recorder.Decisions[1]);
        Assert.Equal(applied.Slot + 1, held.Slot);
        Assert.Equal(applied.Beams!.SelectMany(b => b), held.Beams!.SelectMany(b => b));
        Assert.True((await harness.Region(0).GetStatusAsync(CancellationToken.None)).Isac!.Beamformed);
    }

    [Fact]
    public async Task Communication_weight_is_stored_and_used_from_the_next_loop()
    {
        var directory = Directory.CreateTempSubdirectory("isac-weight-");
        try
        {
            await using (var harness = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-nonrobust:1", Seed = 5 }, directory.FullName))
            {
                await harness.Region(0).SetCommunicationWeightAsync(0.9, CancellationToken.None);
                await harness.RunLoopsAsync(1);
                Assert.Equal(0.9, (await harness.Region(0).GetStatusAsync(CancellationToken.None)).Isac!.CommunicationWeight);
            }

            await using var restarted = await ControlHarness.StartAsync(Isac(), new ControlPlaneOptions { Policy = "isac-nonrobust:1", Seed = 5 }, directory.FullName);
            Assert.Equal(0.9, (await restarted.Region(0).GetStatusAsync(CancellationToken.None)).Isac!.CommunicationWeight);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NegativeInfinity)]
    public async Task Bad_communication_weight_is_refused_and_changes_nothing(double weight)
    {
        await using var harness = await ControlHarness.StartAsync(Isac());
        await harness.Region(0).SetCommunicationWeightAsync(0.25, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Region(0).SetCommunicationWeightAsync(weight, CancellationToken.None));

        Assert.Contains("[0, 1]", error.Message, StringComparison.Ordinal);
        Assert.Equal(0.25, (await harness.Region(0).GetStatusAsync(CancellationToken.None)).Isac!.CommunicationWeight);
    }

    [Fact]
    public async Task Communication_weight_of_a_region_without_isac_cells_is_refused()
    {
        await using var harness = await ControlHarness.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Region(0).SetCommunicationWeightAsync(0.5, CancellationToken.None));

        Assert.Contains("no ISAC cells", error.Message, StringComparison.Ordinal);
        Assert.Null((await harness.Region(0).GetStatusAsync(CancellationToken.None)).Isac);
    }
}
