using System.Diagnostics;
using Controller.Host.Telemetry;

namespace Controller.Host.Tests.Telemetry;

/// <summary>The real executable exporting to a real OTLP/HTTP receiver, configured only by its environment.</summary>
[Trait("Category", "Process")]
public sealed class TelemetryProcessTests
{
    [Fact]
    public async Task Controller_BadOtlpEndpoint_ExitCode2AndOneStderrLine()
    {
        var (code, stdout, stderr) = await RunAsync(new() { [TelemetrySetup.EndpointVariable] = "xyz" }, "scenario", "--help");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("error: OTEL_EXPORTER_OTLP_ENDPOINT 'xyz' is not an absolute http(s) URL.", stderr.Trim());
    }

    [Fact]
    public async Task Controller_OtlpEndpoint_ExportsRuntimeSpansAndMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            [TelemetrySetup.EndpointVariable] = receiver.Endpoint,
            [TelemetrySetup.ProtocolVariable] = "http/protobuf",
        };

        var (code, _, stderr) = await RunAsync(environment, "bench", "runtime", "--grains", "10", "--calls", "200", "--concurrency", "4", "--latency-calls", "100", "--json");

        Assert.True(code == 0, stderr);
        Assert.Contains(receiver.Received(OtlpReceiver.TracesPath), request => request.Contains("controller") && request.Contains("Controller.Runtime"));
        Assert.Contains(receiver.Received(OtlpReceiver.MetricsPath), request => request.Contains("controller") && request.Contains("controller.runtime.calls"));
    }

    [Fact]
    public async Task Demo_OtlpEndpoint_ExportsControlLoopTracesAndLoopMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            [TelemetrySetup.EndpointVariable] = receiver.Endpoint,
            [TelemetrySetup.ProtocolVariable] = "http/protobuf",
            // Export metrics while the demo runs: its meter goes away with the control plane before the final flush.
            [TelemetrySetup.MetricExportIntervalVariable] = "300",
        };
        var state = Directory.CreateTempSubdirectory("demo-otlp-");
        try
        {
            var (code, _, stderr) = await RunAsync(environment, "demo", "--duration", "2", "--regions", "1", "--period", "50", "--listen", "none", "--view", "lines", "--state-dir", state.FullName);

            Assert.True(code == 0, stderr);
            var traces = receiver.Received(OtlpReceiver.TracesPath);
            foreach (var span in new[] { "control-loop", "pull", "decide", "push", "learn" })
            {
                Assert.Contains(traces, request => request.Contains(span));
            }

            Assert.Contains(receiver.Received(OtlpReceiver.MetricsPath), request => request.Contains("controller.loop.duration") && request.Contains("controller.rate.p5"));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Only what the test sets: an OTEL_* variable of the runner's own environment must not leak in.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("OTEL_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controller.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
