using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Controller.Runtime.Diagnostics;

namespace Controller.Runtime.Grains;

/// <summary>A unit of work for an activation's mailbox: a grain call, a timer tick, activation or deactivation.</summary>
internal abstract class Message
{
    /// <summary>True when the message may run beside the current turn (reentrant methods).</summary>
    public virtual bool Interleave => false;

    /// <summary>True when running it counts as activity that keeps the activation alive.</summary>
    public virtual bool KeepsAlive => true;

    /// <summary>Runs the message on <paramref name="activation"/>; never throws (failures go to the caller).</summary>
    public abstract ValueTask ExecuteAsync(Activation activation);

    /// <summary>Completes the message with a failure without running it.</summary>
    public abstract void Fail(Exception exception);
}

/// <summary>
/// A grain call: the method, its arguments and the caller's trace context; the caller awaits it as a
/// value-task source, so a call allocates this object and the argument array and nothing else when the
/// grain answers synchronously.
/// </summary>
internal sealed class CallMessage<TResult> : Message, IValueTaskSource<TResult>
{
    private readonly GrainMethod<TResult> _method;
    private readonly object?[] _arguments;
    private readonly ActivityContext _parent;
    private readonly CancellationToken _cancellationToken;
    private readonly long _sentAt;
    private ManualResetValueTaskSourceCore<TResult> _completion;

    public CallMessage(GrainMethod<TResult> method, object?[] arguments, bool timed, CancellationToken cancellationToken)
        : this(method, arguments, timed, Activity.Current?.Context ?? default, cancellationToken)
    {
    }

    /// <summary>A call whose caller's trace context came with it (a call received from another silo).</summary>
    public CallMessage(GrainMethod<TResult> method, object?[] arguments, bool timed, ActivityContext parent, CancellationToken cancellationToken)
    {
        _method = method;
        _arguments = arguments;
        _cancellationToken = cancellationToken;
        _parent = parent;
        _sentAt = timed ? Stopwatch.GetTimestamp() : 0;
        // Continuations run on the thread pool so a caller's code never runs inside the grain's turn.
        _completion.RunContinuationsAsynchronously = true;
    }

    public override bool Interleave => _method.Interleave;

    /// <summary>Round-trips the result through the wire codec before the caller sees it (serialized-calls mode).</summary>
    public bool SerializeResult { get; set; }

    public ValueTask<TResult> AsValueTask() => new(this, _completion.Version);

    public override async ValueTask ExecuteAsync(Activation activation)
    {
        if (_cancellationToken.IsCancellationRequested)
        {
            _completion.SetException(new OperationCanceledException(_cancellationToken));
            return;
        }

        using var span = _parent == default && !RuntimeTelemetry.Source.HasListeners()
            ? null
            : RuntimeTelemetry.Source.StartActivity(_method.SpanName, ActivityKind.Internal, _parent);
        span?.SetTag(RuntimeTelemetry.GrainIdTag, activation.IdText);
        try
        {
            var pending = _method.Invoke(activation.Instance!, _arguments);
            var result = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
            if (SerializeResult)
            {
                result = GrainCallCodec.DecodeResult<TResult>(GrainCallCodec.EncodeResult(result, $"{_method.SpanName} on grain {activation.IdText}"));
            }

            _completion.SetResult(result);
        }
        catch (Exception exception)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.Message);
            _completion.SetException(exception);
        }
        finally
        {
            activation.Runtime.Instruments.RecordCall(_method.GrainType, _sentAt);
        }
    }

    public override void Fail(Exception exception) => _completion.SetException(exception);

    public TResult GetResult(short token) => _completion.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);
}

/// <summary>The first turn of an activation: create the grain and run its OnActivateAsync.</summary>
internal sealed class ActivateMessage : Message
{
    public override ValueTask ExecuteAsync(Activation activation) => activation.ActivateAsync();

    public override void Fail(Exception exception)
    {
    }
}

/// <summary>The last turn of an activation: stop timers, run OnDeactivateAsync, hand queued calls on.</summary>
internal sealed class DeactivateMessage : Message
{
    public override bool KeepsAlive => false;

    public override ValueTask ExecuteAsync(Activation activation) => activation.DeactivateAsync();

    public override void Fail(Exception exception)
    {
    }
}
