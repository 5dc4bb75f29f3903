using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// Grain state in files under one root directory: the embedded default, for a silo with a local or
/// mounted volume. Each state is one file, <c>&lt;root&gt;/&lt;type&gt;/&lt;key&gt;.&lt;stateName&gt;.state</c>,
/// with every part escaped by <see cref="FileStateNaming"/> and the bytes laid out by <see cref="FileStateFormat"/>
/// (magic, version, ETag, length, SHA-256, payload).
/// </summary>
/// <remarks>
/// <para>
/// Crash safety: a write goes to <c>&lt;state file&gt;.&lt;random&gt;.tmp</c> in the same directory, is fsynced
/// (<see cref="FileStream.Flush(bool)"/>), and is then renamed over the state file, which is atomic on
/// Linux. After the rename the directory is fsynced too so the rename itself survives power loss; .NET cannot
/// open a directory, so on Linux and macOS this calls libc <c>open</c>/<c>fsync</c> directly, and elsewhere
/// (Windows) it is skipped. The directory fsync is best effort: once the rename is done the write has
/// happened and the caller gets its new ETag even if that fsync fails. A reader therefore sees either the
/// old or the new complete file, never a mix.
/// </para>
/// <para>
/// Temp files left by a crash are never read (reads open the state file by its exact name) and never
/// cleaned up automatically, because a live writer in another process could own one. They are safe to
/// delete while no silo uses the directory.
/// </para>
/// <para>
/// Concurrency: within a process, the read-compare-rename of one state file runs under a lock chosen by the
/// file's full path (a static, striped set of semaphores, so two instances over the same root also exclude
/// each other). Across processes there is no lock: a root directory belongs to one silo at a time.
/// </para>
/// <para>
/// Corruption: a file that is truncated, has a wrong magic or version, a length mismatch or a bad checksum
/// makes reads, writes and clears throw <see cref="CorruptStateException"/> naming the grain and the file,
/// and the file is never deleted or replaced by this class. The way out is for an operator to inspect the
/// file and then delete it (the grain starts from empty state) or restore it from a backup.
/// </para>
/// </remarks>
public sealed class FileGrainStorage : IGrainStorage
{
    private const string StateExtension = ".state";
    private const string TempExtension = ".tmp";
    private const int LockStripeCount = 64;

    // Static so that every instance in the process serializes on the same file; keyed by full path.
    private static readonly SemaphoreSlim[] _lockStripes = CreateLockStripes();

    private readonly string _root;

    /// <summary>Stores state under <paramref name="rootDirectory"/>, which is created on the first write if missing.</summary>
    public FileGrainStorage(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
    }

    /// <inheritdoc />
    public string Name => "file";

    /// <summary>The absolute root directory.</summary>
    public string RootDirectory => _root;

    /// <inheritdoc />
    public string Describe(GrainId grain, string stateName) => PathOf(grain, stateName);

    /// <inheritdoc />
    public Task<StoredState?> ReadAsync(GrainId grain, string stateName, CancellationToken cancellationToken)
    {
        var path = PathOf(grain, stateName);
        // No lock: the rename makes every committed version appear whole, so a reader never needs to wait.
        return ReadFileAsync(grain, path, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(GrainId grain, string stateName, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
    {
        var path = PathOf(grain, stateName);
        var stripe = LockFor(path);
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await ReadFileAsync(grain, path, cancellationToken).ConfigureAwait(false);
            EnsureExpected(grain, path, expectedETag, current?.ETag);

            var directory = Path.GetDirectoryName(path)!;
            CreateDirectoryDurably(directory);

            var etag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var header = FileStateFormat.EncodeHeader(etag, data.Span);
            var temp = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + TempExtension;
            try
            {
                await WriteDurablyAsync(temp, header, data, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                File.Move(temp, path, overwrite: true);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }

            // Committed: from here on a cancellation would only make the caller lose the ETag it now owns.
            FlushDirectory(directory);
            return etag;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <inheritdoc />
    public async Task ClearAsync(GrainId grain, string stateName, string? expectedETag, CancellationToken cancellationToken)
    {
        var path = PathOf(grain, stateName);
        var stripe = LockFor(path);
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await ReadFileAsync(grain, path, cancellationToken).ConfigureAwait(false);
            if (current is null && expectedETag is null)
            {
                return;
            }

            EnsureExpected(grain, path, expectedETag, current?.ETag);
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(path);
            FlushDirectory(Path.GetDirectoryName(path)!);
        }
        finally
        {
            stripe.Release();
        }
    }

    private string PathOf(GrainId grain, string stateName)
    {
        ArgumentException.ThrowIfNullOrEmpty(grain.Type, nameof(grain));
        ArgumentNullException.ThrowIfNull(grain.Key, nameof(grain));
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        var fileName = FileStateNaming.Escape(grain.Key) + "." + FileStateNaming.Escape(stateName) + StateExtension;
        return Path.Join(_root, FileStateNaming.Escape(grain.Type), fileName);
    }

    private static async Task<StoredState?> ReadFileAsync(GrainId grain, string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                // Delete: on Windows a concurrent rename over this file must not fail because we are reading it.
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            };
            var stream = new FileStream(path, options);
            await using (stream.ConfigureAwait(false))
            {
                var length = stream.Length;
                if (length > Array.MaxLength)
                {
                    throw new CorruptStateException(grain, path, $"the file has {length} bytes, more than any state this provider writes");
                }

                bytes = new byte[length];
                var read = await stream.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read != bytes.Length)
                {
                    throw new CorruptStateException(grain, path, $"the file shrank from {length} to {read} bytes while being read");
                }
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (!FileStateFormat.TryDecode(bytes, out var etag, out var payload, out var reason))
        {
            throw new CorruptStateException(grain, path, reason + "; delete or restore the file by hand to recover");
        }

        return new StoredState(payload, etag);
    }

    private static async Task WriteDurablyAsync(string temp, byte[] header, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
            PreallocationSize = header.Length + data.Length,
        };
        var stream = new FileStream(temp, options);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            // Without this fsync a power loss after the rename could leave the name pointing at unwritten blocks.
            stream.Flush(flushToDisk: true);
        }
    }

    private static void EnsureExpected(GrainId grain, string path, string? expectedETag, string? currentETag)
    {
        if (!string.Equals(expectedETag, currentETag, StringComparison.Ordinal))
        {
            throw new StorageConflictException(grain, path, expectedETag, currentETag);
        }
    }

    private static void CreateDirectoryDurably(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        // The new directory's own entry lives in its parent; without this a crash could lose the type directory.
        var parent = Path.GetDirectoryName(directory);
        if (parent is not null)
        {
            FlushDirectory(parent);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a temp file left behind is ignored by reads and documented as safe to delete.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    private static SemaphoreSlim LockFor(string path)
    {
        var hash = (uint)StringComparer.Ordinal.GetHashCode(path);
        return _lockStripes[hash % LockStripeCount];
    }

    private static SemaphoreSlim[] CreateLockStripes()
    {
        var stripes = new SemaphoreSlim[LockStripeCount];
        for (var i = 0; i < stripes.Length; i++)
        {
            stripes[i] = new SemaphoreSlim(1, 1);
        }

        return stripes;
    }

    private static void FlushDirectory(string directory) => DirectorySync.TryFlush(directory);

    /// <summary>fsync of a directory through libc, since .NET refuses to open directories as files.</summary>
    private static class DirectorySync
    {
        // O_CLOEXEC keeps the descriptor out of child processes started while it is open (Linux value).
        private const int LinuxOpenReadOnlyCloseOnExec = 0x80000;
        private const int OpenReadOnly = 0;

        private static volatile bool _unavailable = !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD());

        public static void TryFlush(string directory)
        {
            if (_unavailable)
            {
                return;
            }

            try
            {
                var fd = NativeMethods.Open(directory, OperatingSystem.IsLinux() ? LinuxOpenReadOnlyCloseOnExec : OpenReadOnly);
                if (fd < 0)
                {
                    return;
                }

                _ = NativeMethods.FSync(fd);
                _ = NativeMethods.Close(fd);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A libc without these exports: fall back to what Windows gets (rename without directory fsync).
                _unavailable = true;
            }
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        internal static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static extern int FSync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static extern int Close(int fd);
    }
}
