using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Controller.Host.Hosting;

/// <summary>
/// A child process of a <see cref="LocalCluster"/> that cannot outlive its parent. It runs under a small <c>/bin/sh</c>
/// watchdog that holds the read end of a pipe from this process (its stdin): when this process ends for any reason,
/// a crash or a SIGKILL included, the pipe closes and the watchdog SIGKILLs the child. The watchdog reports the
/// child's own pid first, so the child can be signalled directly (SIGTERM to stop it, SIGKILL to simulate a crash).
/// Keeps the last lines of the child's stdout and stderr for error messages.
/// </summary>
internal sealed class ClusterChild : IDisposable
{
    private const string PidMarker = "local-cluster-child-pid ";
    private const int HeadLines = 20;
    private const int TailLines = 180;
    private const int SignalTerm = 15;
    private const int SignalKill = 9;

    // The child runs in a session of its own (setsid), so a terminal's Ctrl+C reaches only the parent, which stops
    // the children in order; its stdin is /dev/null. The watchdog ignores INT, TERM and HUP from then on (set after the
    // child started, so the child keeps the default dispositions), and its subshell waits for end-of-file on the
    // parent's pipe (fd 3), which comes when the parent exits, however it exits; it holds none of the output pipes, so
    // that they reach end-of-file when the child exits. Once the child has exited and been reaped, the watchdog SIGKILLs
    // that subshell before exiting itself: its `kill -9 $child` would otherwise fire later, when the parent closes the
    // pipe, at a pid the kernel may by then have given to an unrelated process (pid_max is often 32768, and every
    // thread takes a number). The subshell reads with the `read` builtin, not cat, so killing it leaves no process.
    private const string Watchdog =
        "exec 3<&0; setsid \"$0\" \"$@\" </dev/null & child=$!; trap '' INT TERM HUP; echo \"" + PidMarker + "$child\" >&2; "
        + "(while read -r _; do :; done <&3; kill -9 $child) >/dev/null 2>&1 & guard=$!; "
        + "wait $child; status=$?; kill -9 $guard 2>/dev/null; exit $status";

    private readonly Process _process;
    // The first lines say where things listen and are kept; of the rest, the last ones.
    private readonly List<string> _head = [];
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ClusterChild(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What the child is, e.g. "control-2".</summary>
    public string Name { get; }

    /// <summary>True once the child (and so its watchdog) has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The child's own pid; 0 until the watchdog has reported it.</summary>
    public int Pid => _pid.Task.IsCompletedSuccessfully ? _pid.Task.Result : 0;

    /// <summary>The exit code of the watchdog (the child's, 128 + signal when a signal ended it); null while running.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> and extra <paramref name="environment"/> (null removes a variable).</summary>
    public static ClusterChild Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Watchdog);
        start.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start /bin/sh for {name}.");
        return new ClusterChild(name, process);
    }

    /// <summary>
    /// A process that waits for this one to end (end-of-file on its stdin) and then removes <paramref name="directory"/>:
    /// what a finally block cannot do when this process is SIGKILLed. Signals other than SIGKILL do not stop it.
    /// </summary>
    public static ClusterChild StartJanitor(string directory)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", "trap '' INT TERM HUP; echo \"" + PidMarker + "$$\" >&2; cat >/dev/null; rm -rf \"$0\"", directory })
        {
            start.ArgumentList.Add(argument);
        }

        return new ClusterChild("janitor", System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not start /bin/sh for the janitor."));
    }

    /// <summary>The child's own pid (not the watchdog's), once the watchdog has reported it.</summary>
    public async Task<int> PidAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            return await _pid.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{Name} did not start: {Tail()}");
        }
    }

    /// <summary>The first line so far that <paramref name="match"/> accepts, or null.</summary>
    public string? FindLine(Func<string, bool> match)
    {
        lock (_tail)
        {
            return _head.Concat(_tail).FirstOrDefault(match);
        }
    }

    /// <summary>The last lines the child wrote, one string.</summary>
    public string Tail(int lines = 30)
    {
        lock (_tail)
        {
            var all = _head.Concat(_tail).ToList();
            var last = all.Skip(Math.Max(0, all.Count - lines)).ToList();
            return last.Count == 0 ? "(no output)" : string.Join('\n', last);
        }
    }

    /// <summary>SIGKILL to the child itself: it dies at once, as a crashed machine's process would.</summary>
    public void Kill()
    {
        if (_pid.Task.IsCompletedSuccessfully && !_process.HasExited)
        {
            _ = SendSignal(_pid.Task.Result, SignalKill);
        }
    }

    /// <summary>SIGTERM (a graceful stop), then SIGKILL if the child has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (_pid.Task.IsCompletedSuccessfully)
        {
            _ = SendSignal(_pid.Task.Result, SignalTerm);
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }

        // No pid yet or no exit after SIGTERM: the watchdog kills the child once its stdin closes.
        _process.StandardInput.Close();
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(last.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Closes the child's stdin (the janitor's signal to do its work) and waits for it to exit.</summary>
    public async Task CloseInputAndWaitAsync(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Left to finish on its own.
        }
    }

    /// <summary>Waits until the child has exited (after <see cref="Kill"/>).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            try
            {
                // Closing the pipe makes the watchdog kill the child, whatever state it is in.
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The watchdog is gone already.
            }

            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        else
        {
            _process.StandardInput.Close();
        }

        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (!_pid.Task.IsCompleted && line.StartsWith(PidMarker, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(PidMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            _pid.TrySetResult(pid);
            return;
        }

        lock (_tail)
        {
            if (_head.Count < HeadLines)
            {
                _head.Add(line);
                return;
            }

            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    private static bool SendSignal(int pid, int signal) => Kill(pid, signal) == 0;

    // DllImport rather than LibraryImport: the generated marshalling code would need unsafe blocks in this project
    // for one int, int -> int call; .NET has no API for a signal other than SIGKILL to another process.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
