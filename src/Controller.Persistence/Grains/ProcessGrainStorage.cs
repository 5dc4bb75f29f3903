using Orleans.Runtime;
using Orleans.Storage;

namespace Controller.Persistence;

/// <summary>
/// Orleans grain storage in this process's memory, for hosts whose state lives and dies with the process (the
/// reproductions' synthetic control planes, the in-process benchmarks, an inference silo that stores nothing).
/// States are kept serialized (so a grain never shares an object with the store), checked by ETag like
/// <see cref="FileGrainStorage"/>, and lost when the process ends.
/// </summary>
/// <remarks>
/// Why not Orleans' memory provider: it keeps states in <c>IMemoryStorageGrain</c> activations, which a stopping silo
/// no longer places, so the last checkpoint that grains write while they deactivate at shutdown fails with
/// "No active nodes are compatible with grain memorystorage" and a screenful of error logs (measured: 8 such
/// <c>fail:</c> entries per <c>reproduce dbinum-single-link</c>). A dictionary in the process has no activation to lose.
/// It is wrong for several silos that must see one another's writes: those use file or blob storage.
/// </remarks>
public sealed class ProcessGrainStorage : IGrainStorage
{
    private readonly Dictionary<(string State, GrainId Grain), (string ETag, BinaryData Payload)> _states = [];
    private readonly Lock _gate = new();
    private readonly IGrainStorageSerializer _serializer;
    private long _version;

    /// <summary>Creates the provider called <paramref name="name"/>, storing states through <paramref name="serializer"/>.</summary>
    public ProcessGrainStorage(string name, IGrainStorageSerializer? serializer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _serializer = serializer ?? new JsonGrainStateSerializer();
    }

    /// <summary>The provider name (as used in <c>[PersistentState(stateName, storageName)]</c>).</summary>
    public string Name { get; }

    /// <summary>How many states are stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _states.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        (string ETag, BinaryData Payload) stored;
        lock (_gate)
        {
            if (!_states.TryGetValue((stateName, grainId), out stored))
            {
                grainState.ETag = null;
                grainState.RecordExists = false;
                return Task.CompletedTask;
            }
        }

        grainState.State = _serializer.Deserialize<T>(stored.Payload)!;
        grainState.ETag = stored.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        // Serialize first: a state the serializer refuses (NaN, cycles) fails before anything is touched.
        var payload = _serializer.Serialize(grainState.State);
        lock (_gate)
        {
            var key = (stateName, grainId);
            EnsureExpected(stateName, grainId, "write", grainState.ETag, _states.TryGetValue(key, out var stored) ? stored.ETag : null);
            var etag = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _states[key] = (etag, payload);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        lock (_gate)
        {
            var key = (stateName, grainId);
            var exists = _states.TryGetValue(key, out var stored);
            if (exists || grainState.ETag is not null)
            {
                EnsureExpected(stateName, grainId, "clear", grainState.ETag, exists ? stored.ETag : null);
                _states.Remove(key);
            }

            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    private void EnsureExpected(string stateName, GrainId grainId, string operation, string? expected, string? stored)
    {
        if (!string.Equals(expected, stored, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"Grain storage '{Name}' refused to {operation} state '{stateName}' of grain {grainId}: the grain expected ETag {expected ?? "(none: nothing stored yet)"} but the store has {stored ?? "(none: nothing stored)"}; another writer changed it, so nothing was changed.",
                stored ?? "(none)",
                expected ?? "(none)");
        }
    }
}
