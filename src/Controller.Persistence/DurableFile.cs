using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Controller.Persistence;

/// <summary>
/// Crash-safe file replacement shared by the grain storage and the file artifact store: write a
/// uniquely named temp file beside the target, fsync it, rename it over the target (atomic on POSIX
/// file systems), then fsync the directory so the rename itself survives a power loss.
/// </summary>
internal static class DurableFile
{
    /// <summary>Suffix of temp files; readers never open them, and a crash can leave one behind.</summary>
    public const string TempSuffix = ".tmp";

    // EWOULDBLOCK from flock on Linux (11) and the BSDs/macOS (35); sharing and lock violations on Windows.
    private static readonly int[] _lockConflictResults = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    /// <summary>
    /// Replaces (or, with <paramref name="overwrite"/> false, creates) <paramref name="path"/> with
    /// <paramref name="header"/> followed by <paramref name="payload"/>. Readers see the old or the new
    /// complete file, never a mix. Throws <see cref="IOException"/> when the file exists and
    /// <paramref name="overwrite"/> is false.
    /// </summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, bool overwrite, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        CreateDirectoryDurably(directory);
        var temp = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + TempSuffix;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
                PreallocationSize = header.Length + payload.Length,
            };
            var stream = new FileStream(temp, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                // Without this, a power loss after the rename could leave the name pointing at unwritten blocks.
                stream.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, path, overwrite);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        // Committed: a failing directory fsync must not make the caller think the write did not happen.
        FlushDirectory(directory);
    }

    /// <summary>The whole file, or null when it (or its directory) does not exist.</summary>
    /// <exception cref="InvalidDataException">The file has more than <paramref name="maxBytes"/> bytes.</exception>
    public static async Task<byte[]?> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                // Delete: on Windows a concurrent rename over this file must not fail because it is being read.
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            };
            var stream = new FileStream(path, options);
            await using (stream.ConfigureAwait(false))
            {
                var length = stream.Length;
                if (length > maxBytes || length > Array.MaxLength)
                {
                    throw new InvalidDataException($"{path} has {length} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} expected");
                }

                var bytes = new byte[length];
                var read = await stream.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read != bytes.Length)
                {
                    // Files are only ever replaced by rename, so a shrinking file was changed by something else.
                    throw new InvalidDataException($"{path} shrank from {length} to {read} bytes while being read");
                }

                return bytes;
            }
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes <paramref name="path"/> and makes the deletion durable; false when it did not exist.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        FlushDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>True when <paramref name="exception"/> says another open handle holds an exclusive lock on the file.</summary>
    public static bool IsLockConflict(IOException exception) =>
        exception.GetType() == typeof(IOException) && _lockConflictResults.Contains(exception.HResult);

    /// <summary>Creates <paramref name="directory"/> (and parents), making the new entry durable in its parent.</summary>
    public static void CreateDirectoryDurably(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var parent = Path.GetDirectoryName(directory);
        if (parent is not null)
        {
            CreateDirectoryDurably(parent);
        }

        Directory.CreateDirectory(directory);
        if (parent is not null)
        {
            FlushDirectory(parent);
        }
    }

    /// <summary>Best-effort fsync of a directory (POSIX only; .NET cannot open a directory as a file).</summary>
    public static void FlushDirectory(string directory) => NativeMethods.TryFlushDirectory(directory);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A leftover temp file is never read and is safe to delete by hand while nothing uses the directory.
        }
    }
}

/// <summary>The few libc calls .NET does not expose: directory fsync and reading a file another handle has flock()ed.</summary>
internal static class NativeMethods
{
    // O_CLOEXEC keeps the descriptor out of child processes started meanwhile (Linux value; 0 elsewhere).
    private const int LinuxCloseOnExec = 0x80000;
    private const int ReadOnly = 0;

    private static volatile bool _unavailable = !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD());

    /// <summary>fsync of a directory; silently nothing where libc is not available (Windows).</summary>
    public static void TryFlushDirectory(string directory)
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            var fd = Open(directory, OpenFlags());
            if (fd < 0)
            {
                return;
            }

            _ = FSync(fd);
            _ = Close(fd);
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    /// <summary>
    /// Up to <paramref name="maxBytes"/> bytes of <paramref name="path"/> read with plain open/read, which
    /// ignore flock() (advisory) where .NET's FileStream would take a shared lock and fail; null where that
    /// is not possible or the file cannot be opened.
    /// </summary>
    public static byte[]? TryReadIgnoringLocks(string path, int maxBytes)
    {
        if (_unavailable)
        {
            return null;
        }

        try
        {
            var fd = Open(path, OpenFlags());
            if (fd < 0)
            {
                return null;
            }

            try
            {
                var buffer = new byte[maxBytes];
                var chunk = new byte[maxBytes];
                var total = 0;
                while (total < buffer.Length)
                {
                    var read = (int)Read(fd, chunk, buffer.Length - total);
                    if (read <= 0)
                    {
                        break;
                    }

                    chunk.AsSpan(0, read).CopyTo(buffer.AsSpan(total));
                    total += read;
                }

                return buffer[..total];
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return null;
        }
    }

    private static int OpenFlags() => ReadOnly | (OperatingSystem.IsLinux() ? LinuxCloseOnExec : 0);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
