using System.Diagnostics;
using Controller.Grains.Diagnostics;

namespace Controller.Grains.Tests;

/// <summary>
/// The trace shape of a control loop. An <see cref="ActivityListener"/> hears every activity source of the process, so
/// loops that other test classes run at the same time would land in this test's list: it runs alone.
/// </summary>
[Collection(TracingRunsAlone.Name)]
public sealed class ControlLoopTraceTests
{
    [Fact]
    public async Task Each_loop_is_one_trace_with_pull_decide_push_learn()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ControlTelemetry.Name || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var harness = await ControlHarness.StartAsync();
        // Activation happens on the first call; trace two loops after it.
        await harness.Region(0).GetStatusAsync(CancellationToken.None);
        using (var caller = new ActivitySource("test").StartActivity("caller"))
        {
            await harness.RunLoopsAsync(2);
        }

        List<Activity> loops;
        lock (spans)
        {
            loops = spans.Where(s => s.OperationName == ControlTelemetry.LoopSpan).ToList();
        }

        Assert.Equal(2, loops.Count);
        Assert.NotEqual(loops[0].TraceId, loops[1].TraceId);
        foreach (var loop in loops)
        {
            Assert.Null(loop.Parent);
            Assert.Equal(default, loop.ParentSpanId);
            Assert.Equal("r000", loop.GetTagItem("region"));
            Assert.Equal(ControlPlaneOptions.DefaultPolicy, loop.GetTagItem("policy"));
            Assert.Equal(12, loop.GetTagItem("users"));
            Assert.Equal("completed", loop.GetTagItem("outcome"));
            List<Activity> inTrace;
            lock (spans)
            {
                inTrace = spans.Where(s => s.TraceId == loop.TraceId && s != loop).ToList();
            }

            var stages = inTrace.Where(s => s.ParentSpanId == loop.SpanId).OrderBy(s => s.StartTimeUtc).Select(s => s.OperationName).ToArray();
            Assert.Equal(ControlTelemetry.Stages, stages);
            // The user and cell grain calls hang below "learn" (Orleans' activity propagation: one client span per call).
            var learn = inTrace.Single(s => s.OperationName == "learn");

            Assert.Equal(12 + 3, inTrace.Count(s => s.ParentSpanId == learn.SpanId));
        }

        Assert.Equal(1L, loops[0].GetTagItem("iteration"));
        Assert.Equal(2L, loops[1].GetTagItem("iteration"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingRunsAlone
{
    public const string Name = "process-wide activity listeners (run alone)";
}
