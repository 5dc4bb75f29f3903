namespace Controller.Grains;

/// <summary>
/// Dirty-flag checkpointing of a grain's <see cref="IPersistentState{TState}"/>: the grain marks changes as it makes
/// them; a grain timer of its own writes them (a turn of its own, so a region's loop never waits for a user's write),
/// and deactivation writes what is left. Every write first runs the grain's finiteness check (<see cref="StateGuard"/>).
/// A write refused because the stored ETag moved on (another activation of the same grain wrote since this one read:
/// only possible while a cluster's membership disagrees, e.g. a paused silo declared dead) marks this activation stale:
/// it writes nothing more and deactivates, so the newer activation's state wins (<see cref="StaleWrites"/>).
/// </summary>
/// <param name="state">The injected state.</param>
/// <param name="key">The grain's key, for the check's messages.</param>
/// <param name="check">Throws when the state holds a number that must not be stored.</param>
internal sealed class Checkpoint<T>(IPersistentState<T> state, string key, Action<T, string> check)
{
    private bool _dirty;
    private IGrainBase? _grain;

    /// <summary>True once a write was refused as stale; nothing is written after that.</summary>
    public bool Stale { get; private set; }

    /// <summary>The state.</summary>
    public T Value => state.State;

    /// <summary>Notes a change for the next checkpoint.</summary>
    public void MarkDirty() => _dirty = true;

    /// <summary>Writes now (operator settings and run joins must survive a crash).</summary>
    public async Task WriteNowAsync(CancellationToken cancellationToken)
    {
        if (Stale)
        {
            throw StaleWrites.Refused(key);
        }

        check(state.State, key);
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        }
        catch (Orleans.Storage.InconsistentStateException exception)
        {
            Stale = true;
            _grain?.DeactivateOnIdle();
            throw StaleWrites.Refused(key, exception);
        }
    }

    /// <summary>Writes if anything changed since the last write (nothing once stale).</summary>
    public Task WriteIfChangedAsync(CancellationToken cancellationToken) => _dirty && !Stale ? WriteNowAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Starts the checkpoint timer of <paramref name="grain"/>: first after <paramref name="due"/>, then every <paramref name="interval"/>.</summary>
    public void StartTimer(IGrainBase grain, TimeSpan due, TimeSpan interval)
    {
        _grain = grain;
        grain.RegisterGrainTimer(WriteIfChangedAsync, new GrainTimerCreationOptions(due, interval) { KeepAlive = false });
    }

    /// <summary>A check for states that hold nothing that could be non-finite.</summary>
    public static void NoCheck(T value, string grain)
    {
    }
}

/// <summary>A grain's write was refused because another activation of the same grain wrote since this one read its state.</summary>
public sealed class StaleActivationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public StaleActivationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StaleActivationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StaleActivationException()
        : this("Another activation of this grain wrote its state; this one stopped.")
    {
    }
}

/// <summary>The one message of a stale writer (see <see cref="Checkpoint{T}"/>).</summary>
internal static class StaleWrites
{
    public static StaleActivationException Refused(string key, Exception? inner = null) => new(
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Grain '{key}' did not write: another activation of it wrote its state since this one read it (ETag changed). This activation stopped and deactivates; the next call reaches the current state."),
        inner);
}
