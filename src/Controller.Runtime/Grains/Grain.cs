using Controller.Runtime.Storage;
using Controller.Runtime.Timers;

namespace Controller.Runtime.Grains;

/// <summary>
/// Base class of grain implementations. The runtime creates an instance per activation, sets its
/// context, then runs <see cref="OnActivateAsync"/> as the activation's first turn. All turns of an
/// activation run one at a time (methods marked <see cref="ReentrantAttribute"/> excepted).
/// </summary>
public abstract class Grain
{
    private Activation? _activation;

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => Activation.Id;

    /// <summary>The key part of <see cref="GrainId"/>.</summary>
    protected string Key => Activation.Id.Key;

    /// <summary>Other grains, by interface and key.</summary>
    protected IGrainFactory GrainFactory => Activation.Runtime;

    /// <summary>The runtime's clock (fake in tests).</summary>
    protected TimeProvider TimeProvider => Activation.Runtime.TimeProvider;

    private Activation Activation => _activation ?? throw new InvalidOperationException("The grain is not attached to an activation yet; use OnActivateAsync, not the constructor.");

    /// <summary>Runs once, as the first turn, before any call is delivered.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once, as the last turn, when the activation is collected or the runtime stops; persist state here.</summary>
    public virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Starts a timer whose callback runs as a turn of this grain. A tick that comes while the previous
    /// callback is still queued or running is skipped and counted as an overrun. Timers stop on deactivation.
    /// <paramref name="phaseLocked"/> keeps ticks at <c>start + due + k period</c> however late one tick runs
    /// (control loops: a pause must not bunch regions that were started at spread-out phases).
    /// </summary>
    protected GrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool keepAlive = true, bool phaseLocked = false)
        => Activation.RegisterTimer(callback, dueTime, period, keepAlive, phaseLocked);

    /// <summary>Reads the named persistent state of this grain (a default value when none is stored).</summary>
    protected Task<PersistentState<TState>> ReadStateAsync<TState>(string stateName, CancellationToken cancellationToken)
        where TState : new()
        => PersistentState.ReadAsync<TState>(Activation.Runtime.Storage, GrainId, stateName, cancellationToken);

    /// <summary>Asks the runtime to deactivate this grain once the current turn ends.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation();

    internal void Attach(Activation activation) => _activation = activation;
}
