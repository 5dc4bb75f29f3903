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
    public async Task Controller_OtlpEndpoint_ExportsOrleansSpansAndMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            [TelemetrySetup.EndpointVariable] = receiver.Endpoint,
            [TelemetrySetup.ProtocolVariable] = "http/protobuf",
        };

        var (code, _, stderr) = await RunAsync(environment, "bench", "runtime", "--grains", "10", "--calls", "200", "--concurrency", "4", "--latency-calls", "100", "--json");

        Assert.True(code == 0, stderr);
        // The grain calls' spans (Orleans' activity propagation) and Orleans' own meter reach the collector.
        Assert.Contains(receiver.Received(OtlpReceiver.TracesPath), request => request.Contains("controller") && request.Contains("Microsoft.Orleans"));
        Assert.Contains(receiver.Received(OtlpReceiver.MetricsPath), request => request.Contains("controller") && request.Contains("Microsoft.Orleans"));
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
            var (code, _, stderr) = await RunAsync(environment, "demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "2", "--regions", "1", "--period", "50", "--listen", "none", "--view", "lines", "--state-dir", state.FullName);

            Assert.True(code == 0, stderr);
            var traces = receiver.Received(OtlpReceiver.TracesPath);
            foreach (var span in new[] { "control-loop", "pull", "decide", "push", "learn" })
            {
                Assert.Contains(traces, request => request.Contains(span));
            }

            // Exporting turns on Orleans' activity propagation: the loops' grain calls are spans too.
            Assert.Contains(traces, request => request.Contains("Microsoft.Orleans"));

            Assert.Contains(receiver.Received(OtlpReceiver.MetricsPath), request => request.Contains("controller.loop.duration") && request.Contains("controller.rate.p5"));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string?> environment, params string[] args) =>
        ControllerProcess.RunAsync(environment, args);
}
