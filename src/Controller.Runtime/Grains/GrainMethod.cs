using System.Linq.Expressions;
using System.Reflection;

namespace Controller.Runtime.Grains;

/// <summary>One method of a grain interface: how to call it on an activation and how to send it.</summary>
internal abstract class GrainMethod
{
    protected GrainMethod(string grainType, MethodInfo method)
    {
        GrainType = grainType;
        Name = method.Name;
        SpanName = $"{grainType}.{method.Name}";
        Interleave = method.IsDefined(typeof(ReentrantAttribute), inherit: false);
        var parameters = method.GetParameters();
        ParameterTypes = [.. parameters.Select(p => p.ParameterType)];
        CancellationTokenIndex = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken) ? parameters.Length - 1 : -1;
    }

    public string GrainType { get; }

    public string Name { get; }

    /// <summary>Span name, "type.method", built once.</summary>
    public string SpanName { get; }

    public bool Interleave { get; }

    /// <summary>Declared parameter types, for the wire codec.</summary>
    public Type[] ParameterTypes { get; }

    /// <summary>Index of the trailing CancellationToken parameter, or -1.</summary>
    public int CancellationTokenIndex { get; }

    /// <summary>Sends a call to <paramref name="proxy"/>'s grain and returns what the interface method returns (a task or value task).</summary>
    public abstract object Send(GrainProxy proxy, object?[] arguments);

    /// <summary>Delivers a call received in wire form and returns the reply in wire form.</summary>
    public abstract Task<byte[]> DispatchAsync(GrainRuntime runtime, DecodedCall call, CancellationToken cancellationToken);

    /// <summary>Builds the table entry for <paramref name="method"/> of a grain interface.</summary>
    public static GrainMethod Create(string grainType, Type grainInterface, MethodInfo method)
    {
        var returnType = method.ReturnType;
        Type resultType;
        ReturnKind kind;
        if (returnType == typeof(Task))
        {
            (resultType, kind) = (typeof(VoidResult), ReturnKind.Task);
        }
        else if (returnType == typeof(ValueTask))
        {
            (resultType, kind) = (typeof(VoidResult), ReturnKind.ValueTask);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            (resultType, kind) = (returnType.GetGenericArguments()[0], ReturnKind.TaskOfT);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            (resultType, kind) = (returnType.GetGenericArguments()[0], ReturnKind.ValueTaskOfT);
        }
        else
        {
            throw new InvalidOperationException(
                $"Grain method {grainInterface.Name}.{method.Name} returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>.");
        }

        var closed = typeof(GrainMethod<>).MakeGenericType(resultType);
        return (GrainMethod)Activator.CreateInstance(closed, grainType, grainInterface, method, kind)!;
    }
}

/// <summary>How a grain method hands its result back.</summary>
internal enum ReturnKind
{
    Task,
    ValueTask,
    TaskOfT,
    ValueTaskOfT,
}

/// <summary>The result type of methods that return a bare Task or ValueTask.</summary>
internal readonly struct VoidResult
{
}

/// <summary>A grain method with result type <typeparamref name="TResult"/>, invoked through a compiled delegate (no reflection per call).</summary>
internal sealed class GrainMethod<TResult> : GrainMethod
{
    private readonly Func<object, object?[], ValueTask<TResult>> _invoke;
    private readonly ReturnKind _kind;

    public GrainMethod(string grainType, Type grainInterface, MethodInfo method, ReturnKind kind)
        : base(grainType, method)
    {
        _kind = kind;
        _invoke = Compile(grainInterface, method, kind);
    }

    /// <summary>Calls the method on a grain instance.</summary>
    public ValueTask<TResult> Invoke(object grain, object?[] arguments) => _invoke(grain, arguments);

    public override object Send(GrainProxy proxy, object?[] arguments)
    {
        var cancellationToken = CancellationTokenIndex >= 0 ? (CancellationToken)arguments[CancellationTokenIndex]! : default;
        // A reference that reached a live local activation stays local; only the others ask the locator.
        if (proxy.CachedActivation is null && proxy.Runtime.TryLocateRemote(proxy.GrainId, out var transport, out var silo))
        {
#pragma warning disable CA2012 // As below: boxed once to become the interface method's return value.
            return Shape(CallRemoteAsync(transport, silo, proxy.GrainId, arguments, cancellationToken));
#pragma warning restore CA2012
        }

        var serialize = proxy.Runtime.Options.SerializeCalls;
        if (serialize)
        {
            // Exactly what a remote call does: the grain sees decoded copies, never the caller's objects.
            var wire = GrainCallCodec.EncodeCall(proxy.GrainId, this, arguments, System.Diagnostics.Activity.Current?.Context ?? default);
            arguments = GrainCallCodec.DecodeCall(wire, (_, _) => this, cancellationToken).Arguments;
        }

        var message = new CallMessage<TResult>(this, arguments, proxy.Runtime.Instruments.CallDurationEnabled, cancellationToken);
        if (serialize)
        {
            message.SerializeResult = true;
        }

        // CA2012: the value task is boxed only to become the interface method's return value; the caller consumes it once.
#pragma warning disable CA2012
        return _kind switch
        {
            ReturnKind.ValueTaskOfT => Reply(proxy, message, cancellationToken),
            ReturnKind.TaskOfT => Reply(proxy, message, cancellationToken).AsTask(),
            ReturnKind.ValueTask => DropResult(Reply(proxy, message, cancellationToken)),
            _ => DropResult(Reply(proxy, message, cancellationToken)).AsTask(),
        };
#pragma warning restore CA2012
    }

    /// <summary>The interface method's return value for a reply.</summary>
    private object Shape(ValueTask<TResult> reply)
    {
#pragma warning disable CA2012 // The value task is consumed once, by the caller of the interface method.
        return _kind switch
        {
            ReturnKind.ValueTaskOfT => reply,
            ReturnKind.TaskOfT => reply.AsTask(),
            ReturnKind.ValueTask => DropResult(reply),
            _ => DropResult(reply).AsTask(),
        };
#pragma warning restore CA2012
    }

    /// <summary>A call to a grain on another silo: the wire form goes through the transport, with a client span around it.</summary>
    private async ValueTask<TResult> CallRemoteAsync(Cluster.IClusterTransport transport, Placement.SiloId silo, GrainId grain, object?[] arguments, CancellationToken cancellationToken)
    {
        using var span = Diagnostics.RuntimeTelemetry.Source.StartActivity(SpanName, System.Diagnostics.ActivityKind.Client);
        span?.SetTag(Diagnostics.RuntimeTelemetry.GrainIdTag, grain.ToString());
        span?.SetTag(Diagnostics.RuntimeTelemetry.SiloTag, silo.Ordinal);
        try
        {
            var wire = GrainCallCodec.EncodeCall(grain, this, arguments, System.Diagnostics.Activity.Current?.Context ?? default);
            var reply = await transport.CallAsync(silo, wire, cancellationToken).ConfigureAwait(false);
            return GrainCallCodec.DecodeResult<TResult>(reply);
        }
        catch (Exception exception)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, exception.Message);
            throw;
        }
    }

    public override async Task<byte[]> DispatchAsync(GrainRuntime runtime, DecodedCall call, CancellationToken cancellationToken)
    {
        var message = new CallMessage<TResult>(this, call.Arguments, runtime.Instruments.CallDurationEnabled, call.Parent, cancellationToken);
        if (!runtime.TrySend(call.Grain, message))
        {
            await runtime.SendSlowAsync(call.Grain, message, cancellationToken).ConfigureAwait(false);
        }

        var result = await message.AsValueTask().ConfigureAwait(false);
        return GrainCallCodec.EncodeResult(result, $"{SpanName} on grain {call.Grain}");
    }

    private static ValueTask<TResult> Reply(GrainProxy proxy, CallMessage<TResult> message, CancellationToken cancellationToken)
        => proxy.Runtime.TrySend(proxy, message) ? message.AsValueTask() : AfterSend(proxy.Runtime.SendSlowAsync(proxy.GrainId, message, cancellationToken), message);

    private static async ValueTask<TResult> AfterSend(Task sent, CallMessage<TResult> message)
    {
        await sent.ConfigureAwait(false);
        return await message.AsValueTask().ConfigureAwait(false);
    }

    private static ValueTask DropResult(ValueTask<TResult> reply)
    {
        return reply.IsCompletedSuccessfully ? Consume(reply) : Await(reply);

        static ValueTask Consume(ValueTask<TResult> completed)
        {
            // Reading the result releases the value-task source; a completed reply has nothing else to wait for.
            _ = completed.Result;
            return default;
        }

        static async ValueTask Await(ValueTask<TResult> pending) => await pending.ConfigureAwait(false);
    }

    private static Func<object, object?[], ValueTask<TResult>> Compile(Type grainInterface, MethodInfo method, ReturnKind kind)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var arguments = Expression.Parameter(typeof(object?[]), "arguments");
        var parameters = method.GetParameters();
        var call = Expression.Call(
            Expression.Convert(grain, grainInterface),
            method,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(arguments, Expression.Constant(i)), p.ParameterType)));
        var adapter = kind switch
        {
            ReturnKind.ValueTaskOfT => null,
            ReturnKind.TaskOfT => typeof(GrainMethod<TResult>).GetMethod(nameof(FromTask), BindingFlags.NonPublic | BindingFlags.Static)!,
            ReturnKind.ValueTask => typeof(GrainMethod<TResult>).GetMethod(nameof(FromVoidValueTask), BindingFlags.NonPublic | BindingFlags.Static)!,
            _ => typeof(GrainMethod<TResult>).GetMethod(nameof(FromVoidTask), BindingFlags.NonPublic | BindingFlags.Static)!,
        };
        Expression body = adapter is null ? call : Expression.Call(adapter, call);
        return Expression.Lambda<Func<object, object?[], ValueTask<TResult>>>(body, grain, arguments).Compile();
    }

    private static ValueTask<TResult> FromTask(Task<TResult> task) => new(task);

    private static ValueTask<TResult> FromVoidTask(Task task)
    {
        return task.IsCompletedSuccessfully ? default : Await(task);

        static async ValueTask<TResult> Await(Task pending)
        {
            await pending.ConfigureAwait(false);
            return default!;
        }
    }

    private static ValueTask<TResult> FromVoidValueTask(ValueTask task)
    {
        return task.IsCompletedSuccessfully ? default : Await(task);

        static async ValueTask<TResult> Await(ValueTask pending)
        {
            await pending.ConfigureAwait(false);
            return default!;
        }
    }
}
