using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Controller.Persistence;

/// <summary>
/// An exclusive, OS-level claim on a state directory, so that two controller processes never write the same
/// grain state files. <see cref="Acquire"/> opens <c>&lt;directory&gt;/controller.lock</c> with
/// <see cref="FileShare.None"/> (an <c>flock</c> on Linux and macOS, a share-deny open on Windows) and writes
/// the holder's process id, host name and start time into it. The operating system releases the claim when
/// the process ends, however it ends, so a crash never leaves a stale lock; the file itself stays.
/// </summary>
/// <remarks>
/// Hold it for the lifetime of the process (or of the silo) and dispose it at shutdown. A second
/// <see cref="Acquire"/> on the same directory, from this or any other process, throws
/// <see cref="StateDirectoryLockedException"/> naming the holder. The lock is advisory on POSIX systems:
/// it keeps out every process that asks for it, not a process that ignores it.
/// </remarks>
public sealed class StateDirectoryLock : IDisposable
{
    /// <summary>Name of the lock file inside the state directory.</summary>
    public const string LockFileName = "controller.lock";

    private const int MaxHolderBytes = 4096;

    private readonly FileStream _stream;

    private StateDirectoryLock(string directory, string lockFile, FileStream stream, StateDirectoryHolder holder)
    {
        Directory = directory;
        LockFile = lockFile;
        _stream = stream;
        Holder = holder;
    }

    /// <summary>The absolute state directory.</summary>
    public string Directory { get; }

    /// <summary>The absolute path of the lock file.</summary>
    public string LockFile { get; }

    /// <summary>What this lock wrote into the lock file.</summary>
    public StateDirectoryHolder Holder { get; }

    /// <summary>
    /// Claims <paramref name="directory"/> (created if missing) for this process until the returned lock
    /// is disposed or the process exits.
    /// </summary>
    /// <exception cref="StateDirectoryLockedException">Another process, or another lock in this process, holds it.</exception>
    public static StateDirectoryLock Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var fullDirectory = Path.GetFullPath(directory);
        DurableFile.CreateDirectoryDurably(fullDirectory);
        var lockFile = Path.Join(fullDirectory, LockFileName);

        FileStream stream;
        try
        {
            stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception) when (DurableFile.IsLockConflict(exception))
        {
            throw new StateDirectoryLockedException(fullDirectory, lockFile, ReadHolder(lockFile), exception);
        }

        try
        {
            var holder = new StateDirectoryHolder(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow);
            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(holder, StateDirectoryHolder.JsonOptions) + "\n");
            stream.SetLength(0);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            return new StateDirectoryLock(fullDirectory, lockFile, stream, holder);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Releases the claim; the lock file stays (deleting it would let two processes lock two different files).</summary>
    public void Dispose() => _stream.Dispose();

    private static StateDirectoryHolder? ReadHolder(string lockFile)
    {
        // .NET's own read would ask for a shared lock and fail; plain read(2) ignores the advisory lock.
        var bytes = NativeMethods.TryReadIgnoringLocks(lockFile, MaxHolderBytes);
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StateDirectoryHolder>(bytes, StateDirectoryHolder.JsonOptions);
        }
        catch (JsonException)
        {
            // Caught mid-write (the holder truncates, then writes) or damaged: report the holder as unknown.
            return null;
        }
    }
}

/// <summary>Who holds a state directory, as written in its lock file.</summary>
/// <param name="ProcessId">The holder's process id.</param>
/// <param name="HostName">The machine the holder runs on (a directory on a shared volume can be locked from elsewhere).</param>
/// <param name="Since">When the holder took the lock (UTC).</param>
public sealed record StateDirectoryHolder(int ProcessId, string HostName, DateTimeOffset Since)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>"pid 1234 on host h since 2026-01-02T03:04:05Z".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"pid {ProcessId} on host {HostName} since {Since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
}

/// <summary>The state directory is already claimed through <see cref="StateDirectoryLock"/>; the message is one line naming the directory and the holder.</summary>
public sealed class StateDirectoryLockedException : IOException
{
    /// <summary>Creates the exception for <paramref name="directory"/> held by <paramref name="holder"/> (null: unknown).</summary>
    public StateDirectoryLockedException(string directory, string lockFile, StateDirectoryHolder? holder, Exception? innerException = null)
        : base(
            $"State directory {directory} is in use by another controller process ({holder?.ToString() ?? "holder unknown"}; lock file {lockFile}): stop that process or use another state directory.",
            innerException)
    {
        Directory = directory;
        LockFile = lockFile;
        Holder = holder;
    }

    /// <summary>Creates the exception with a message.</summary>
    public StateDirectoryLockedException()
        : this("The state directory is in use by another process.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StateDirectoryLockedException(string message)
        : base(message)
    {
        Directory = LockFile = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StateDirectoryLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Directory = LockFile = string.Empty;
    }

    /// <summary>The absolute state directory.</summary>
    public string Directory { get; }

    /// <summary>The lock file inside it.</summary>
    public string LockFile { get; }

    /// <summary>Who holds it, when the lock file could be read.</summary>
    public StateDirectoryHolder? Holder { get; }
}
