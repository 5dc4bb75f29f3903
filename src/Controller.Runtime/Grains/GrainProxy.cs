using System.Reflection;

namespace Controller.Runtime.Grains;

/// <summary>
/// The typed reference a caller holds: a generated proxy that turns each interface call into a message
/// for the grain's activation, wherever it lives. References are cheap and can be kept.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private GrainRuntime? _runtime;
    private GrainInterfaceMap? _map;
    private MethodInfo? _lastMethodInfo;
    private GrainMethod? _lastMethod;

    /// <summary>The grain this reference addresses.</summary>
    public GrainId GrainId { get; private set; }

    /// <summary>The activation the last call went to; reused until it closes, which skips the catalog lookup.</summary>
    internal Activation? CachedActivation { get; set; }

    internal GrainRuntime Runtime => _runtime!;

    internal static TGrain Create<TGrain>(GrainRuntime runtime, GrainInterfaceMap map, GrainId id)
        where TGrain : IGrain
    {
        var proxy = Create<TGrain, GrainProxy>();
        var self = (GrainProxy)(object)proxy;
        self._runtime = runtime;
        self._map = map;
        self.GrainId = id;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        // A reference is usually called through one method at a time (a loop's pull, say): a one-entry cache
        // saves the table lookup. A race between two threads only costs a lookup, never a wrong method.
        var method = _lastMethod;
        if (!ReferenceEquals(_lastMethodInfo, targetMethod) || method is null)
        {
            method = _map!.Method(targetMethod);
            _lastMethod = method;
            _lastMethodInfo = targetMethod;
        }

        return method.Send(this, args ?? []);
    }
}
