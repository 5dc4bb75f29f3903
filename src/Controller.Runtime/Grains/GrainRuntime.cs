using System.Collections.Concurrent;
using System.Collections.Frozen;
using Controller.Runtime.Cluster;
using Controller.Runtime.Diagnostics;
using Controller.Runtime.Placement;
using Controller.Runtime.Storage;
using Microsoft.Extensions.Logging;

namespace Controller.Runtime.Grains;

/// <summary>
/// A silo's grain runtime: hands out grain references, activates grains on first call, delivers calls
/// turn by turn, collects idle activations and deactivates everything on dispose. Build it with
/// <see cref="GrainRuntimeBuilder"/>.
/// </summary>
public sealed partial class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly FrozenDictionary<Type, GrainInterfaceMap> _byInterface;
    private readonly FrozenDictionary<string, GrainInterfaceMap> _byTypeName;
    private readonly IGrainLocator _locator;
    private readonly SiloId _localSilo;
    private readonly IClusterTransport? _transport;
    private readonly ILogger _logger;
    private readonly ITimer _collector;
    private int _disposed;

    internal GrainRuntime(
        IReadOnlyList<GrainInterfaceMap> grains,
        IGrainStorage storage,
        TimeProvider timeProvider,
        GrainRuntimeOptions options,
        ILoggerFactory loggerFactory,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory,
        IGrainLocator locator,
        SiloId localSilo,
        IClusterTransport? transport,
        IServiceProvider? services)
    {
        _byInterface = grains.ToFrozenDictionary(g => g.Interface);
        _byTypeName = grains.ToFrozenDictionary(g => g.TypeName, StringComparer.Ordinal);
        Options = options;
        TimeProvider = timeProvider;
        Instruments = new RuntimeInstruments(meterFactory, () => _activations.Values.Sum(a => (long)a.QueueLength));
        Storage = new InstrumentedGrainStorage(storage, Instruments);
        Services = services;
        _locator = locator;
        _localSilo = localSilo;
        _transport = transport;
        _logger = loggerFactory.CreateLogger("Controller.Runtime");
        _collector = timeProvider.CreateTimer(static state => ((GrainRuntime)state!).CollectIdle(), this, options.CollectionInterval, options.CollectionInterval);
    }

    /// <summary>Live activations.</summary>
    public int ActivationCount => _activations.Count;

    internal GrainRuntimeOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal IGrainStorage Storage { get; }

    internal RuntimeInstruments Instruments { get; }

    internal IServiceProvider? Services { get; }

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrain
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_byInterface.TryGetValue(typeof(TGrain), out var map))
        {
            throw new InvalidOperationException($"No grain implements {typeof(TGrain).Name}; register it with GrainRuntimeBuilder.AddGrain.");
        }

        return GrainProxy.Create<TGrain>(this, map, new GrainId(map.TypeName, key));
    }

    /// <summary>True when an activation of <paramref name="grain"/> is live (for tests and diagnostics).</summary>
    public bool IsActive(GrainId grain) => _activations.ContainsKey(grain);

    /// <summary>
    /// Runs a grain call received in wire form (see <see cref="GrainCallCodec"/>) on this silo and returns
    /// the reply in wire form: the entry point of a cluster transport.
    /// </summary>
    public Task<byte[]> DispatchEncodedCallAsync(ReadOnlyMemory<byte> call, CancellationToken cancellationToken)
    {
        DecodedCall decoded;
        try
        {
            decoded = DecodeCall(call.Span, cancellationToken);
        }
        catch (UnknownGrainException exception)
        {
            // Callers of the public entry point see one exception type for every call they cannot send here.
            throw new GrainCallSerializationException(exception.Message, exception);
        }

        return decoded.Method.DispatchAsync(this, decoded, cancellationToken);
    }

    /// <summary>Reads a call's wire form; throws <see cref="UnknownGrainException"/> for a type or method this silo does not host.</summary>
    internal DecodedCall DecodeCall(ReadOnlySpan<byte> call, CancellationToken cancellationToken)
        => GrainCallCodec.DecodeCall(call, ResolveMethod, cancellationToken);

    /// <summary>
    /// The transport and silo of a grain homed on another silo; false for a local grain. Without a transport every
    /// grain is local, and one placed elsewhere fails when the call is delivered.
    /// </summary>
    internal bool TryLocateRemote(GrainId grain, out IClusterTransport transport, out SiloId silo)
    {
        if (_transport is not null)
        {
            silo = _locator.Locate(grain);
            if (silo != _localSilo)
            {
                transport = _transport;
                return true;
            }
        }

        transport = null!;
        silo = default;
        return false;
    }

    /// <summary>The runtime's (instrumented) storage, for host code that reads or repairs grain state.</summary>
    public IGrainStorage GetGrainStorage() => Storage;

    internal Activation? FindActivation(GrainId grain) => _activations.TryGetValue(grain, out var activation) ? activation : null;

    /// <summary>Deactivates every activation (each runs OnDeactivateAsync) and stops collection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _collector.DisposeAsync().ConfigureAwait(false);
        // Deactivation can re-route queued calls to fresh activations; repeat until none is left.
        while (!_activations.IsEmpty)
        {
            await Task.WhenAll(_activations.Values.Select(a => a.ForceDeactivationAsync(Options.DeactivationTimeout))).ConfigureAwait(false);
        }

        Instruments.Dispose();
    }

    /// <summary>Deactivates idle activations now (the collector's tick; callable from tests).</summary>
    public int CollectIdle()
    {
        var now = TimeProvider.GetTimestamp();
        var idleTicks = (long)(Options.IdleTimeout.TotalSeconds * TimeProvider.TimestampFrequency);
        var started = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.TryDeactivateIfIdle(now, idleTicks))
            {
                started++;
            }
        }

        return started;
    }

    /// <summary>Delivers a call through <paramref name="proxy"/>'s cached activation when it is still open.</summary>
    internal bool TrySend(GrainProxy proxy, Message message)
    {
        var activation = proxy.CachedActivation;
        if (activation is null || activation.IsClosed)
        {
            activation = null;
            if (!TrySend(proxy.GrainId, message, ref activation))
            {
                proxy.CachedActivation = activation;
                return false;
            }

            proxy.CachedActivation = activation;
            return true;
        }

        return activation.TryEnqueue(message);
    }

    /// <summary>Delivers <paramref name="message"/> if its mailbox has room now; false means use <see cref="SendSlowAsync"/>.</summary>
    internal bool TrySend(GrainId grain, Message message)
    {
        Activation? activation = null;
        return TrySend(grain, message, ref activation);
    }

    private bool TrySend(GrainId grain, Message message, ref Activation? activation)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new ObjectDisposedException(nameof(GrainRuntime), $"The grain runtime is stopped; the call to {grain} was not delivered.");
        }

        var silo = _locator.Locate(grain);
        if (silo != _localSilo)
        {
            throw new InvalidOperationException($"Grain {grain} is placed on silo {silo.Ordinal} but this runtime has no cluster transport; run one silo or configure the cluster.");
        }

        activation = GetOrActivate(grain);
        return activation.TryEnqueue(message);
    }

    /// <summary>Hands a call left in a closed activation's mailbox to the grain's next activation.</summary>
    internal void Resend(GrainId grain, Message message)
    {
        try
        {
            if (!TrySend(grain, message))
            {
                _ = ObserveAsync(SendSlowAsync(grain, message, CancellationToken.None), message);
            }
        }
        catch (Exception exception)
        {
            message.Fail(exception);
        }

        static async Task ObserveAsync(Task pending, Message message)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                message.Fail(exception);
            }
        }
    }

    internal void Remove(Activation activation) => _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    private GrainMethod ResolveMethod(GrainId grain, string method)
    {
        if (!_byTypeName.TryGetValue(grain.Type, out var map))
        {
            throw new UnknownGrainException($"Unknown grain type '{grain.Type}' in a call to {grain}; this silo hosts {string.Join(", ", _byTypeName.Keys.Order(StringComparer.Ordinal))}.");
        }

        return map.TryGetMethod(method) ?? throw new UnknownGrainException($"Grain type '{grain.Type}' has no method named '{method}'.");
    }

    private Activation GetOrActivate(GrainId grain)
    {
        if (_activations.TryGetValue(grain, out var existing))
        {
            return existing;
        }

        if (!_byTypeName.TryGetValue(grain.Type, out var map))
        {
            throw new InvalidOperationException($"Unknown grain type '{grain.Type}'.");
        }

        var activation = _activations.GetOrAdd(grain, static (id, state) => new Activation(state.Runtime, id, state.Map), (Runtime: this, Map: map));
        activation.EnsureStarted();
        return activation;
    }

    /// <summary>Delivers <paramref name="message"/>, waiting for mailbox room or for a closing activation's successor.</summary>
    internal async Task SendSlowAsync(GrainId grain, Message message, CancellationToken cancellationToken)
    {
        while (true)
        {
            var activation = GetOrActivate(grain);
            if (activation.TryEnqueue(message))
            {
                return;
            }

            if (!activation.IsClosed)
            {
                try
                {
                    // Full mailbox: wait for room. This is the backpressure that keeps queues bounded.
                    await activation.EnqueueAsync(message, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (MailboxClosedException)
                {
                    // Closed while we waited: fall through and retry on the next activation.
                }
            }

            await activation.Completion.ConfigureAwait(false);
            if (Volatile.Read(ref _disposed) == 1)
            {
                throw new ObjectDisposedException(nameof(GrainRuntime), $"The grain runtime stopped; the call to {grain} was not delivered.");
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Activation of grain {Grain} failed")]
    internal partial void LogActivationFailed(Exception exception, string grain);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {Grain} failed")]
    internal partial void LogDeactivationFailed(Exception exception, string grain);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Timer callback of grain {Grain} failed")]
    internal partial void LogTimerFailed(Exception exception, string grain);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Grain {Grain} did not finish its turn within {Timeout} at shutdown; its queued calls fail")]
    internal partial void LogDeactivationAbandoned(string grain, TimeSpan timeout);
}
