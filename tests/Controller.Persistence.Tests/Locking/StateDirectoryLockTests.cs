using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Persistence.Tests.Support;

namespace Controller.Persistence.Tests.Locking;

public sealed class StateDirectoryLockTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Acquire_Twice_SecondThrowsOneLineMessageNamingDirectoryAndHolder()
    {
        using var held = StateDirectoryLock.Acquire(_scratch.Path);

        var error = Assert.Throws<StateDirectoryLockedException>(() => StateDirectoryLock.Acquire(_scratch.Path));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(Path.GetFullPath(_scratch.Path), error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId} ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"host {Environment.MachineName} ", error.Message, StringComparison.Ordinal);
        Assert.Contains(" since ", error.Message, StringComparison.Ordinal);
        Assert.Equal(held.Holder, error.Holder);
        Assert.Equal(Path.GetFullPath(_scratch.Path), error.Directory);
    }

    [Fact]
    public void Dispose_ReleasesTheLock_AndKeepsTheFile()
    {
        StateDirectoryLock.Acquire(_scratch.Path).Dispose();

        using var again = StateDirectoryLock.Acquire(_scratch.Path);

        Assert.True(File.Exists(Path.Join(_scratch.Path, StateDirectoryLock.LockFileName)));
    }

    [Fact]
    public void LockFile_HoldsPidHostAndStartTime_AsJson()
    {
        StateDirectoryHolder holder;
        using (var held = StateDirectoryLock.Acquire(_scratch.Path))
        {
            holder = held.Holder;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Join(_scratch.Path, StateDirectoryLock.LockFileName)));
        Assert.Equal(Environment.ProcessId, document.RootElement.GetProperty("processId").GetInt32());
        Assert.Equal(Environment.MachineName, document.RootElement.GetProperty("hostName").GetString());
        Assert.Equal(holder.Since, document.RootElement.GetProperty("since").GetDateTimeOffset());
    }

    [Fact]
    public void Acquire_MissingDirectory_CreatesIt()
    {
        var directory = Path.Join(_scratch.Path, "a", "b");

        using var held = StateDirectoryLock.Acquire(directory);

        Assert.True(Directory.Exists(directory));
        Assert.Equal(Path.Join(directory, StateDirectoryLock.LockFileName), held.LockFile);
    }

    [Fact]
    public void AnotherHandleOnTheLockFile_CannotOpenItWhileHeld()
    {
        using var held = StateDirectoryLock.Acquire(_scratch.Path);

        Assert.Throws<IOException>(() => new FileStream(held.LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None));
    }

    [Fact]
    [Trait("Category", "ChildProcess")]
    public async Task ChildProcessHoldsIt_WeGetTheChildAsHolder_AndItsDeathReleasesIt()
    {
        using var child = Probe.Start(_scratch.Path);
        var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal($"locked {child.Id}", line);

        var error = Assert.Throws<StateDirectoryLockedException>(() => StateDirectoryLock.Acquire(_scratch.Path));
        Assert.Equal(child.Id, error.Holder?.ProcessId);
        Assert.Contains($"pid {child.Id.ToString(CultureInfo.InvariantCulture)} ", error.Message, StringComparison.Ordinal);

        // A crash (SIGKILL: no dispose, no cleanup) releases it: the OS drops the lock with the process.
        child.Kill();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var ours = StateDirectoryLock.Acquire(_scratch.Path);
        Assert.Equal(Environment.ProcessId, ours.Holder.ProcessId);
    }

    [Fact]
    [Trait("Category", "ChildProcess")]
    public async Task WeHoldIt_ChildProcessIsRefused_NamingUs()
    {
        using var held = StateDirectoryLock.Acquire(_scratch.Path);

        using var child = Probe.Start(_scratch.Path);
        var stderr = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3, child.ExitCode);
        var message = await stderr;
        Assert.Contains($"pid {Environment.ProcessId} ", message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(_scratch.Path), message, StringComparison.Ordinal);
    }

    /// <summary>tests/Controller.Persistence.Probe, copied next to this assembly by the project reference.</summary>
    private static class Probe
    {
        public static Process Start(string directory)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Controller.Persistence.Probe.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference Controller.Persistence.Probe.");
            var start = new ProcessStartInfo(DotnetHost())
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("lock");
            start.ArgumentList.Add(directory);
            return Process.Start(start) ?? throw new InvalidOperationException("Could not start the probe.");
        }

        // The muxer that runs this test host when there is one (dotnet test sets DOTNET_HOST_PATH), else PATH's.
        private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
