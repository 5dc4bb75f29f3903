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

    /// <summary>The grain this reference addresses.</summary>
    public GrainId GrainId { get; private set; }

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
        return _map!.Method(targetMethod).Send(_runtime!, GrainId, args ?? []);
    }
}
