using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>A write or clear whose expected ETag no longer matches the stored state: another writer got there first.</summary>
public sealed class StorageConflictException : Exception
{
    /// <summary>Creates the exception for <paramref name="grain"/>'s state at <paramref name="location"/>.</summary>
    public StorageConflictException(GrainId grain, string location, string? expectedETag, string? actualETag)
        : base($"Storage conflict for grain {grain} at {location}: expected ETag {expectedETag ?? "(none: first write)"}, stored {actualETag ?? "(none)"}; the state was changed by another writer and was not overwritten.")
    {
        Grain = grain;
        Location = location;
        ExpectedETag = expectedETag;
        ActualETag = actualETag;
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageConflictException(string message)
        : base(message)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StorageConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public StorageConflictException()
        : this("Storage conflict.")
    {
    }

    /// <summary>The grain whose state was contended.</summary>
    public GrainId Grain { get; }

    /// <summary>File path or blob URL.</summary>
    public string Location { get; }

    /// <summary>The ETag the writer expected.</summary>
    public string? ExpectedETag { get; }

    /// <summary>The stored ETag, when known.</summary>
    public string? ActualETag { get; }
}

/// <summary>Stored state that cannot be read back (truncated, not the expected format, undecodable). Nothing is deleted or overwritten.</summary>
public sealed class CorruptStateException : Exception
{
    /// <summary>Creates the exception naming the grain and where its state lives.</summary>
    public CorruptStateException(GrainId grain, string location, string reason, Exception? innerException = null)
        : base($"The stored state of grain {grain} at {location} is unreadable ({reason}); it was left untouched.", innerException)
    {
        Grain = grain;
        Location = location;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptStateException(string message)
        : base(message)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CorruptStateException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public CorruptStateException()
        : this("Corrupt grain state.")
    {
    }

    /// <summary>The grain whose state is unreadable.</summary>
    public GrainId Grain { get; }

    /// <summary>File path or blob URL.</summary>
    public string Location { get; }
}
