using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// Stores the serialized state of grains with optimistic concurrency. Every successful write returns a
/// new ETag that differs from every earlier ETag of that state (never derived from content alone), and a
/// write or clear succeeds only when the caller's expected ETag matches the stored one:
/// <list type="bullet">
/// <item><c>expectedETag == null</c>: the state must not exist yet (first write);</item>
/// <item>otherwise the stored ETag must equal <c>expectedETag</c>.</item>
/// </list>
/// A mismatch throws <see cref="StorageConflictException"/> and changes nothing. Unreadable stored data is
/// reported by <see cref="CorruptStateException"/> and left in place.
/// </summary>
public interface IGrainStorage
{
    /// <summary>A short name for logs and metrics ("memory", "file", "azure-blob").</summary>
    string Name { get; }

    /// <summary>Reads the state, or null when none was written (or it was cleared).</summary>
    Task<StoredState?> ReadAsync(GrainId grain, string stateName, CancellationToken cancellationToken);

    /// <summary>Writes the state if <paramref name="expectedETag"/> matches; returns the new ETag.</summary>
    Task<string> WriteAsync(GrainId grain, string stateName, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Deletes the state if <paramref name="expectedETag"/> matches; clearing absent state with a null ETag is a no-op.</summary>
    Task ClearAsync(GrainId grain, string stateName, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Where the state of <paramref name="grain"/> lives (file path or blob URL), for error messages.</summary>
    string Describe(GrainId grain, string stateName);
}

/// <summary>Stored bytes and their ETag.</summary>
/// <param name="Data">The serialized state.</param>
/// <param name="ETag">The version the bytes belong to.</param>
public sealed record StoredState(ReadOnlyMemory<byte> Data, string ETag);
