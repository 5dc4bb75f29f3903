using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Controller.Runtime.Diagnostics;

/// <summary>
/// The runtime's metrics: activations, calls and call latency per grain type, mailbox depth, timer
/// overruns, storage latency and conflicts. Recording checks <c>Enabled</c> first so an unobserved
/// instrument costs a branch on the call path.
/// </summary>
internal sealed class RuntimeInstruments : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly UpDownCounter<long> _activations;
    private readonly Counter<long> _timerOverruns;
    private readonly Histogram<double> _storageDuration;
    private readonly Counter<long> _storageConflicts;

    public RuntimeInstruments(IMeterFactory? meterFactory, Func<long> mailboxDepth)
    {
        _meter = meterFactory?.Create(RuntimeTelemetry.Name) ?? new Meter(RuntimeTelemetry.Name);
        _calls = _meter.CreateCounter<long>("controller.runtime.calls", "{call}", "Grain calls completed");
        _callDuration = _meter.CreateHistogram<double>("controller.runtime.call.duration", "s", "Time from sending a grain call to its completion");
        _activations = _meter.CreateUpDownCounter<long>("controller.runtime.activations", "{activation}", "Live grain activations");
        _timerOverruns = _meter.CreateCounter<long>("controller.runtime.timer.overruns", "{tick}", "Timer ticks skipped because the previous callback was still queued or running");
        _storageDuration = _meter.CreateHistogram<double>("controller.runtime.storage.duration", "s", "Grain storage operation latency");
        _storageConflicts = _meter.CreateCounter<long>("controller.runtime.storage.conflicts", "{conflict}", "Writes or clears refused because of an ETag mismatch");
        _meter.CreateObservableGauge("controller.runtime.mailbox.depth", mailboxDepth, "{message}", "Messages queued in all mailboxes");
    }

    /// <summary>Whether call latency is observed; when not, callers skip reading the clock.</summary>
    public bool CallDurationEnabled => _callDuration.Enabled;

    /// <summary>Counts a finished call and, when <paramref name="sentTimestamp"/> is set, its latency.</summary>
    public void RecordCall(string grainType, long sentTimestamp)
    {
        if (!_calls.Enabled && !_callDuration.Enabled)
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>(RuntimeTelemetry.GrainTypeTag, grainType);
        if (_calls.Enabled)
        {
            _calls.Add(1, tag);
        }

        if (_callDuration.Enabled && sentTimestamp != 0)
        {
            _callDuration.Record(Stopwatch.GetElapsedTime(sentTimestamp).TotalSeconds, tag);
        }
    }

    public void ActivationStarted(string grainType) => _activations.Add(1, new KeyValuePair<string, object?>(RuntimeTelemetry.GrainTypeTag, grainType));

    public void ActivationEnded(string grainType) => _activations.Add(-1, new KeyValuePair<string, object?>(RuntimeTelemetry.GrainTypeTag, grainType));

    public void TimerOverrun(string grainType) => _timerOverruns.Add(1, new KeyValuePair<string, object?>(RuntimeTelemetry.GrainTypeTag, grainType));

    public void RecordStorage(string provider, string operation, TimeSpan elapsed, bool conflict)
    {
        var providerTag = new KeyValuePair<string, object?>("storage.provider", provider);
        var operationTag = new KeyValuePair<string, object?>("storage.operation", operation);
        _storageDuration.Record(elapsed.TotalSeconds, providerTag, operationTag);
        if (conflict)
        {
            _storageConflicts.Add(1, providerTag, operationTag);
        }
    }

    public void Dispose() => _meter.Dispose();
}
