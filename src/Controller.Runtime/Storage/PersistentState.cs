using System.Text.Json;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>Reads persistent grain state.</summary>
public static class PersistentState
{
    /// <summary>Reads the state of <paramref name="grain"/> named <paramref name="stateName"/> (a default value when none is stored).</summary>
    public static async Task<PersistentState<TState>> ReadAsync<TState>(IGrainStorage storage, GrainId grain, string stateName, CancellationToken cancellationToken)
        where TState : new()
    {
        ArgumentNullException.ThrowIfNull(storage);
        var state = new PersistentState<TState>(storage, grain, stateName);
        await state.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return state;
    }
}

/// <summary>
/// A grain's named, persisted state: JSON in an <see cref="IGrainStorage"/>, written with the ETag it was
/// read with, so a stale writer (an older activation, another silo) gets a conflict instead of silently
/// overwriting. State that does not decode fails with <see cref="CorruptStateException"/> and stays stored.
/// </summary>
public sealed class PersistentState<TState>
    where TState : new()
{
    private static JsonSerializerOptions Options => RuntimeJson.Options;

    private readonly IGrainStorage _storage;
    private readonly GrainId _grain;
    private readonly string _name;

    internal PersistentState(IGrainStorage storage, GrainId grain, string name)
    {
        _storage = storage;
        _grain = grain;
        _name = name;
    }

    /// <summary>The state; change it, then <see cref="WriteAsync"/>.</summary>
    public TState Value { get; set; } = new();

    /// <summary>ETag of the stored version this value was read from or last written as; null when nothing is stored.</summary>
    public string? ETag { get; private set; }

    /// <summary>True when a stored version exists.</summary>
    public bool RecordExists => ETag is not null;

    /// <summary>Where the state lives (file or blob), for messages.</summary>
    public string Location => _storage.Describe(_grain, _name);

    /// <summary>Replaces <see cref="Value"/> with the stored version.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var stored = await _storage.ReadAsync(_grain, _name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            Value = new();
            ETag = null;
            return;
        }

        try
        {
            Value = JsonSerializer.Deserialize<TState>(stored.Data.Span, Options)
                ?? throw new CorruptStateException(_grain, Location, $"it holds JSON null, not a {typeof(TState).Name}");
        }
        catch (JsonException exception)
        {
            throw new CorruptStateException(_grain, Location, $"not valid JSON for {typeof(TState).Name}: {exception.Message}", exception);
        }

        ETag = stored.ETag;
    }

    /// <summary>Writes <see cref="Value"/>; throws <see cref="StorageConflictException"/> if someone else wrote since.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(Value, Options);
        ETag = await _storage.WriteAsync(_grain, _name, bytes, ETag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the stored state and resets <see cref="Value"/>.</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        await _storage.ClearAsync(_grain, _name, ETag, cancellationToken).ConfigureAwait(false);
        ETag = null;
        Value = new();
    }
}
