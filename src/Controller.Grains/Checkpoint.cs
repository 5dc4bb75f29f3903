namespace Controller.Grains;

/// <summary>
/// Dirty-flag checkpointing of a grain's <see cref="IPersistentState{TState}"/>: the grain marks changes as it makes
/// them; a grain timer of its own writes them (a turn of its own, so a region's loop never waits for a user's write),
/// and deactivation writes what is left. Every write first runs the grain's finiteness check (<see cref="StateGuard"/>).
/// </summary>
/// <param name="state">The injected state.</param>
/// <param name="key">The grain's key, for the check's messages.</param>
/// <param name="check">Throws when the state holds a number that must not be stored.</param>
internal sealed class Checkpoint<T>(IPersistentState<T> state, string key, Action<T, string> check)
{
    private bool _dirty;

    /// <summary>The state.</summary>
    public T Value => state.State;

    /// <summary>Notes a change for the next checkpoint.</summary>
    public void MarkDirty() => _dirty = true;

    /// <summary>Writes now (operator settings and run joins must survive a crash).</summary>
    public Task WriteNowAsync(CancellationToken cancellationToken)
    {
        check(state.State, key);
        _dirty = false;
        return state.WriteStateAsync(cancellationToken);
    }

    /// <summary>Writes if anything changed since the last write.</summary>
    public Task WriteIfChangedAsync(CancellationToken cancellationToken) => _dirty ? WriteNowAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Starts the checkpoint timer of <paramref name="grain"/>: first after <paramref name="due"/>, then every <paramref name="interval"/>.</summary>
    public void StartTimer(IGrainBase grain, TimeSpan due, TimeSpan interval) =>
        grain.RegisterGrainTimer(WriteIfChangedAsync, new GrainTimerCreationOptions(due, interval) { KeepAlive = false });

    /// <summary>A check for states that hold nothing that could be non-finite.</summary>
    public static void NoCheck(T value, string grain)
    {
    }
}
