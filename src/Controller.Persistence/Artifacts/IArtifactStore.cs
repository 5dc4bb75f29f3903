using System.Text.RegularExpressions;

namespace Controller.Persistence;

/// <summary>
/// The storage under <see cref="ArtifactRegistry"/>: whole objects addressed by '/'-separated keys, with
/// ETag-checked writes so that the registry can flip its index without a lock.
/// </summary>
/// <remarks>
/// Keys are one or more segments of 1 to 128 characters from <c>A-Z a-z 0-9 . _ -</c>, none starting
/// with '.'; implementations reject anything else with <see cref="ArgumentException"/>, so a key can never
/// name something outside the store.
/// </remarks>
public interface IArtifactStore
{
    /// <summary>Where the store lives (directory or container URL, never with credentials), for messages.</summary>
    string Location { get; }

    /// <summary>Where the object <paramref name="key"/> lives (file path or blob URL), for messages.</summary>
    string Describe(string key);

    /// <summary>The object and its ETag, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The object has more than <paramref name="maxBytes"/> bytes.</exception>
    Task<ArtifactObject?> ReadAsync(string key, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="data"/> as <paramref name="key"/> if the stored ETag is
    /// <paramref name="expectedETag"/> (null: only if there is no such object yet) and returns the new ETag.
    /// </summary>
    /// <exception cref="ArtifactStoreConflictException">The stored ETag is not the expected one; nothing was written.</exception>
    Task<string> WriteAsync(string key, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="key"/>; false when there was nothing to remove.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object read from an <see cref="IArtifactStore"/>.</summary>
/// <param name="Data">Its bytes.</param>
/// <param name="ETag">Its version, to pass to <see cref="IArtifactStore.WriteAsync"/>.</param>
public sealed record ArtifactObject(ReadOnlyMemory<byte> Data, string ETag);

/// <summary>A conditional write to an <see cref="IArtifactStore"/> lost: the object changed (or appeared) since it was read.</summary>
public sealed class ArtifactStoreConflictException : Exception
{
    /// <summary>Creates the exception for the object at <paramref name="location"/>.</summary>
    public ArtifactStoreConflictException(string location, string? expectedETag, Exception? innerException = null)
        : base($"{location} changed since it was read (expected {(expectedETag is null ? "no object" : "ETag " + expectedETag)}); nothing was written.", innerException)
    {
        Location = location;
        ExpectedETag = expectedETag;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ArtifactStoreConflictException()
        : this("The stored object changed since it was read.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ArtifactStoreConflictException(string message)
        : base(message)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ArtifactStoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = string.Empty;
    }

    /// <summary>File path or blob URL of the object.</summary>
    public string Location { get; }

    /// <summary>The ETag the writer expected (null: no object).</summary>
    public string? ExpectedETag { get; }
}

/// <summary>The key rules shared by the stores.</summary>
internal static partial class ArtifactKeys
{
    /// <summary>The segments of <paramref name="key"/>, or an <see cref="ArgumentException"/>.</summary>
    public static string[] Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split('/');
        if (!segments.All(s => Segment().IsMatch(s)))
        {
            throw new ArgumentException($"'{key}' is not a valid artifact store key: use '/'-separated segments of 1 to 128 letters, digits, '.', '_' or '-', none starting with '.'.", nameof(key));
        }

        return segments;
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex Segment();
}
