using System.Diagnostics;

namespace Controller.Host.Tests;

/// <summary>The real executable (controller.dll next to the tests) in a child process, as a shell script runs it.</summary>
internal static class ControllerProcess
{
    /// <summary>
    /// Runs <c>controller ARGS</c> with the runner's environment minus its OTEL_* and CONTROLLER_API_KEY* variables (so a collector the
    /// runner happens to be configured for never leaks in), plus <paramref name="environment"/>; at most 2 minutes.
    /// </summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>controller ARGS</c> and leaves it running (a silo, a long demo): see <see cref="RunningController"/>.</summary>
    public static RunningController Start(params string[] args) => new(Process.Start(StartInfo(null, args))!);

    /// <summary>Starts <c>controller ARGS</c> with <paramref name="environment"/> added, and leaves it running.</summary>
    public static RunningController Start(IReadOnlyDictionary<string, string?> environment, params string[] args) => new(Process.Start(StartInfo(environment, args))!);

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?>? environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Neither a collector nor an API key of the runner's leaks in.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("OTEL_", StringComparison.Ordinal) || name.StartsWith("CONTROLLER_API_KEY", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controller.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}

/// <summary>A controller child process that keeps running: its streams are collected line by line as they come.</summary>
internal sealed class RunningController : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];

    public RunningController(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Add(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output => Text(_output);

    public string Error => Text(_error);

    /// <summary>Waits until a line of stdout or stderr matches (at most <paramref name="timeout"/>); returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_output)
            {
                var found = _output.Concat(_error).FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No matching line within {timeout} (exited: {_process.HasExited}).\nstdout:\n{Output}\nstderr:\n{Error}");
    }

    /// <summary>
    /// SIGTERM, as Kubernetes or systemd stop a process (the CLI treats it as Ctrl+C). Not SIGINT: a test run started in
    /// the background of a non-interactive shell (as CI may start it) inherits SIGINT ignored, and .NET keeps it so.
    /// </summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: the process dies at once, as a crashed pod.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits for the process to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        // WaitForExitAsync returns when the process ends; the last lines may still be on their way.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                lines.Add(line);
            }
        }
    }

    private string Text(List<string> lines)
    {
        lock (_output)
        {
            return string.Join('\n', lines);
        }
    }
}
