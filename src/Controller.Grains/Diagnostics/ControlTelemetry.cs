using System.Diagnostics;
using System.Diagnostics.Metrics;
using Controller.Ran.Contract;

namespace Controller.Grains.Diagnostics;

/// <summary>
/// The control plane's traces and metrics. Each region loop is one trace: a root span <c>control-loop</c>
/// (tags region, policy, users, iteration, outcome) with children <c>pull</c>, <c>decide</c>, <c>push</c> and
/// <c>learn</c> (the runtime's call spans of the user grains hang below <c>learn</c>).
/// </summary>
public static class ControlTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "Controller.Grains";

    /// <summary>Root span of one region loop.</summary>
    public const string LoopSpan = "control-loop";

    /// <summary>The stages, in order.</summary>
    public static IReadOnlyList<string> Stages { get; } = ["pull", "decide", "push", "learn"];

    /// <summary>The control plane's spans.</summary>
    public static ActivitySource Source { get; } = new(Name);
}

/// <summary>The control plane's instruments (one set per silo, a singleton service).</summary>
internal sealed class ControlInstruments : IDisposable
{
    private readonly Meter _meter;
    private readonly Histogram<double> _loopDuration;
    private readonly Counter<long> _loops;
    private readonly Counter<long> _overruns;
    private readonly Counter<long> _rejectedTelemetry;
    private readonly Counter<long> _unavailable;
    private readonly Counter<long> _rejectedDecisions;
    private readonly Counter<long> _userUpdates;
    private readonly Histogram<int> _isacIterations;

    public ControlInstruments(ControlPlaneMonitor monitor, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(ControlTelemetry.Name);
        _loopDuration = _meter.CreateHistogram<double>("controller.loop.duration", "ms", "Region control loop latency, pull to learn");
        _loops = _meter.CreateCounter<long>("controller.loops", "{loop}", "Region loops run, by outcome");
        _overruns = _meter.CreateCounter<long>("controller.loop.overruns", "{tick}", "Loop ticks skipped because the previous loop of the region was still running");
        _rejectedTelemetry = _meter.CreateCounter<long>("controller.telemetry.rejected", "{sample}", "Telemetry samples rejected, by defect");
        _unavailable = _meter.CreateCounter<long>("controller.ran.unavailable", "{loop}", "Loops that could not reach the RAN");
        _rejectedDecisions = _meter.CreateCounter<long>("controller.decisions.rejected", "{decision}", "Decisions the RAN refused");
        _userUpdates = _meter.CreateCounter<long>("controller.user.updates", "{update}", "User state updates from RAN feedback");
        _isacIterations = _meter.CreateHistogram<int>("controller.isac.iterations", "{iteration}", "BOBLRBF iterations per subproblem an ISAC region's loop was given (fixed, or picked by the adaptive budget)");
        _meter.CreateObservableGauge("controller.rate.mean", () => monitor.Aggregate().MeanRate, "bps/Hz", "Mean of users' rate averages");
        _meter.CreateObservableGauge("controller.rate.p5", () => monitor.Aggregate().FifthPercentileRate, "bps/Hz", "5th percentile of users' rate averages");
        _meter.CreateObservableGauge("controller.constraint.violations", () => (long)monitor.Aggregate().Violations, "{user}", "Users whose rate average is below their demand");
    }

    public void LoopEnded(double milliseconds, LoopOutcome outcome)
    {
        var tag = new KeyValuePair<string, object?>("outcome", Outcome(outcome));
        _loops.Add(1, tag);
        if (outcome == LoopOutcome.Completed)
        {
            _loopDuration.Record(milliseconds);
        }
    }

    public void Overruns(long count) => _overruns.Add(count);

    public void TelemetryRejected(TelemetryDefect defect) => _rejectedTelemetry.Add(1, new KeyValuePair<string, object?>("defect", defect.ToString()));

    public void Unavailable() => _unavailable.Add(1);

    public void DecisionRejected() => _rejectedDecisions.Add(1);

    public void UserUpdates(int count) => _userUpdates.Add(count);

    public void IsacIterations(int iterations, bool adaptive) => _isacIterations.Record(iterations, new KeyValuePair<string, object?>("budget", adaptive ? "adaptive" : "fixed"));

    public void Dispose() => _meter.Dispose();

    internal static string Outcome(LoopOutcome outcome) => outcome switch
    {
        LoopOutcome.Completed => "completed",
        LoopOutcome.TelemetryRejected => "telemetry-rejected",
        LoopOutcome.RanUnavailable => "ran-unavailable",
        LoopOutcome.DecisionRejected => "decision-rejected",
        LoopOutcome.Failed => "failed",
        _ => "none",
    };
}
