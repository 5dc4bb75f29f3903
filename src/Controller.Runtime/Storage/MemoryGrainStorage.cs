using System.Globalization;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// Grain state in process memory, for tests and throw-away silos. Follows the <see cref="IGrainStorage"/>
/// compare-and-swap contract exactly; ETags are "m-N" from a counter that only grows, so no ETag is ever
/// reused by one instance, not even after a clear. Everything is lost with the process.
/// </summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Type, string Key, string StateName), StoredState> _states = [];
    private long _lastETag;

    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public Task<StoredState?> ReadAsync(GrainId grain, string stateName, CancellationToken cancellationToken)
    {
        var key = KeyOf(grain, stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_states.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public Task<string> WriteAsync(GrainId grain, string stateName, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
    {
        var key = KeyOf(grain, stateName);
        cancellationToken.ThrowIfCancellationRequested();

        // Copied outside the lock and before the check: the caller may reuse its buffer as soon as we return.
        var copy = data.ToArray();
        lock (_gate)
        {
            var current = _states.GetValueOrDefault(key)?.ETag;
            EnsureExpected(grain, stateName, expectedETag, current);
            var etag = "m-" + (++_lastETag).ToString(CultureInfo.InvariantCulture);
            _states[key] = new StoredState(copy, etag);
            return Task.FromResult(etag);
        }
    }

    /// <inheritdoc />
    public Task ClearAsync(GrainId grain, string stateName, string? expectedETag, CancellationToken cancellationToken)
    {
        var key = KeyOf(grain, stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var current = _states.GetValueOrDefault(key)?.ETag;
            if (current is null && expectedETag is null)
            {
                return Task.CompletedTask;
            }

            EnsureExpected(grain, stateName, expectedETag, current);
            _states.Remove(key);
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public string Describe(GrainId grain, string stateName) => $"memory://{grain}/{stateName}";

    private static (string, string, string) KeyOf(GrainId grain, string stateName)
    {
        ArgumentException.ThrowIfNullOrEmpty(grain.Type, nameof(grain));
        ArgumentNullException.ThrowIfNull(grain.Key, nameof(grain));
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        return (grain.Type, grain.Key, stateName);
    }

    private void EnsureExpected(GrainId grain, string stateName, string? expectedETag, string? currentETag)
    {
        if (!string.Equals(expectedETag, currentETag, StringComparison.Ordinal))
        {
            throw new StorageConflictException(grain, Describe(grain, stateName), expectedETag, currentETag);
        }
    }
}
