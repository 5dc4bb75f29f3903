using System.Security.Cryptography;

namespace Controller.Persistence;

/// <summary>
/// An <see cref="IArtifactStore"/> in a local directory: each key is a plain file at the same relative path
/// (so <c>index.json</c> and artifact files can be inspected with ordinary tools). Its ETag is the SHA-256
/// of its bytes. Writes are atomic (temp file, fsync, rename, directory fsync) and conditional writes are
/// serialized across processes by an exclusive lock on <c>&lt;directory&gt;/.store.lock</c>, so a
/// <c>controller policy import</c> and a running silo can share the directory.
/// </summary>
public sealed class FileArtifactStore : IArtifactStore
{
    /// <summary>Name of the lock file that serializes conditional writes.</summary>
    public const string LockFileName = ".store.lock";

    private const int LockAttempts = 400;
    private static readonly TimeSpan _maxLockBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>A store rooted at <paramref name="directory"/> (created on the first write).</summary>
    public FileArtifactStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The absolute root directory.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public string Location => Directory;

    /// <inheritdoc />
    public string Describe(string key) => Path.Join([Directory, .. ArtifactKeys.Split(key)]);

    /// <inheritdoc />
    public async Task<ArtifactObject?> ReadAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        var bytes = await DurableFile.ReadAsync(Describe(key), maxBytes, cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : new ArtifactObject(bytes, ETagOf(bytes));
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(string key, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
    {
        var path = Describe(key);
        using var storeLock = await LockAsync(cancellationToken).ConfigureAwait(false);
        string? current = null;
        if (expectedETag is null)
        {
            if (File.Exists(path))
            {
                throw new ArtifactStoreConflictException(path, expectedETag);
            }
        }
        else
        {
            var bytes = await DurableFile.ReadAsync(path, long.MaxValue, cancellationToken).ConfigureAwait(false);
            current = bytes is null ? null : ETagOf(bytes);
            if (!string.Equals(current, expectedETag, StringComparison.Ordinal))
            {
                throw new ArtifactStoreConflictException(path, expectedETag);
            }
        }

        await DurableFile.WriteAsync(path, ReadOnlyMemory<byte>.Empty, data, overwrite: expectedETag is not null, cancellationToken).ConfigureAwait(false);
        return ETagOf(data.Span);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(DurableFile.Delete(Describe(key)));
    }

    private static string ETagOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        DurableFile.CreateDirectoryDurably(Directory);
        var path = Path.Join(Directory, LockFileName);
        var backoff = TimeSpan.FromMilliseconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException exception) when (DurableFile.IsLockConflict(exception) && attempt < LockAttempts)
            {
                // Held for one read-compare-rename by another writer (this process or another): short waits.
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxLockBackoff.Ticks));
            }
            catch (IOException exception) when (DurableFile.IsLockConflict(exception))
            {
                throw new IOException($"The artifact store at {Directory} stayed locked by another writer ({path}); is a process stuck in the middle of a write?", exception);
            }
        }
    }
}
