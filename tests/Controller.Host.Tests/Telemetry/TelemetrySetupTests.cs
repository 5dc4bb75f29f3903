using System.Diagnostics;
using System.Diagnostics.Metrics;
using Controller.Host.Telemetry;

namespace Controller.Host.Tests.Telemetry;

// A live provider exports every span and measurement of the controller's sources in the process, so these tests
// run alone: in parallel, another test's traffic (bench cluster makes ~30,000 spans a second) fills the batch
// processor's queue and the span under test is dropped.
[Collection(TelemetryExportRunsAlone.Name)]
public sealed class TelemetrySetupTests
{
    private const string GrainsSource = "Controller.Grains";

    [Fact]
    public async Task Start_OtlpHttpEndpoint_ExportsSpanAndCounterWhenDisposed()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var source = new ActivitySource(GrainsSource);
        using var meter = new Meter(GrainsSource);
        var loops = meter.CreateCounter<long>("controller.test.control_loops");

        var setup = Patient(TelemetrySetup.Start(HttpProtobuf(receiver), "controller-under-test"));
        using (source.StartActivity("control-loop"))
        {
            loops.Add(3);
        }

        setup.Dispose();

        var traces = receiver.Received(OtlpReceiver.TracesPath);
        Assert.Contains(traces, request => request.Contains("control-loop") && request.Contains("controller-under-test") && request.Contains(GrainsSource));
        Assert.All(traces, request => Assert.Equal("application/x-protobuf", request.ContentType));
        var metrics = receiver.Received(OtlpReceiver.MetricsPath);
        Assert.Contains(metrics, request => request.Contains("controller.test.control_loops") && request.Contains("controller-under-test") && request.Contains(GrainsSource));
    }

    [Fact]
    public async Task Start_ServiceNameVariable_OverridesServiceName()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var source = new ActivitySource(GrainsSource);
        var environment = HttpProtobuf(receiver);
        environment[TelemetrySetup.ServiceNameVariable] = "ran-site-7";

        var setup = Patient(TelemetrySetup.Start(environment, "name-from-code"));
        source.StartActivity("control-loop")?.Dispose();
        setup.Dispose();

        var span = Assert.Single(receiver.Received(OtlpReceiver.TracesPath), request => request.Contains("control-loop"));
        Assert.True(span.Contains("ran-site-7"));
        Assert.False(span.Contains("name-from-code"));
    }

    [Fact]
    public void Start_NoEndpoint_ReturnsDisabled()
    {
        var setup = Patient(TelemetrySetup.Start(new Dictionary<string, string?> { [TelemetrySetup.ProtocolVariable] = "http/protobuf" }, "controller"));

        Assert.Same(TelemetrySetup.Disabled, setup);
        setup.Dispose();
    }

    [Fact]
    public void Start_EmptyEndpoint_ReturnsDisabled()
    {
        // The specification reads an empty variable as unset.
        var setup = Patient(TelemetrySetup.Start(new Dictionary<string, string?> { [TelemetrySetup.EndpointVariable] = " " }, "controller"));

        Assert.Same(TelemetrySetup.Disabled, setup);
    }

    [Fact]
    public void Start_SdkDisabled_ReturnsDisabled()
    {
        var setup = Patient(TelemetrySetup.Start(
            new Dictionary<string, string?> { [TelemetrySetup.EndpointVariable] = "http://127.0.0.1:4318", [TelemetrySetup.SdkDisabledVariable] = "TRUE" },
            "controller"));

        Assert.Same(TelemetrySetup.Disabled, setup);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("localhost:4318")]
    [InlineData("ftp://collector:4318")]
    [InlineData("/v1/traces")]
    public void Start_EndpointNotAbsoluteHttpUrl_ThrowsOneLineError(string endpoint)
    {
        var error = Assert.Throws<TelemetryConfigurationException>(() =>
            TelemetrySetup.Start(new Dictionary<string, string?> { [TelemetrySetup.EndpointVariable] = endpoint }, "controller"));

        Assert.Equal($"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an absolute http(s) URL.", error.Message);
    }

    [Fact]
    public void Start_SignalEndpointNotHttpUrl_ThrowsNamingIt()
    {
        var error = Assert.Throws<TelemetryConfigurationException>(() => TelemetrySetup.Start(
            new Dictionary<string, string?>
            {
                [TelemetrySetup.EndpointVariable] = "http://127.0.0.1:4318",
                ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "collector/v1/metrics",
            },
            "controller"));

        Assert.Equal("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT 'collector/v1/metrics' is not an absolute http(s) URL.", error.Message);
    }

    [Theory]
    [InlineData("http/json")]
    [InlineData("HTTP")]
    public void Start_UnsupportedProtocol_ThrowsOneLineError(string protocol)
    {
        var error = Assert.Throws<TelemetryConfigurationException>(() => TelemetrySetup.Start(
            new Dictionary<string, string?> { [TelemetrySetup.EndpointVariable] = "http://127.0.0.1:4318", [TelemetrySetup.ProtocolVariable] = protocol },
            "controller"));

        Assert.Equal($"OTEL_EXPORTER_OTLP_PROTOCOL '{protocol}' is not supported; use 'grpc' or 'http/protobuf'.", error.Message);
    }

    [Fact]
    public async Task Start_MetricExportIntervalUnset_UsesShortDefault()
    {
        await using var receiver = await OtlpReceiver.StartAsync();

        using var setup = Patient(TelemetrySetup.Start(HttpProtobuf(receiver), "controller"));

        var export = Assert.IsType<TelemetrySetup.OtlpExport>(setup);
        Assert.Equal(TelemetrySetup.DefaultMetricExportIntervalMilliseconds, export.MetricExportIntervalMilliseconds);
    }

    [Fact]
    public async Task Start_MetricExportIntervalVariable_ReachesTheReader()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = HttpProtobuf(receiver);
        environment[TelemetrySetup.MetricExportIntervalVariable] = "250";

        using var setup = Patient(TelemetrySetup.Start(environment, "controller"));

        Assert.Equal(250, Assert.IsType<TelemetrySetup.OtlpExport>(setup).MetricExportIntervalMilliseconds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1s")]
    public void Start_MetricExportIntervalNotPositive_ThrowsOneLineError(string interval)
    {
        var error = Assert.Throws<TelemetryConfigurationException>(() => TelemetrySetup.Start(
            new Dictionary<string, string?> { [TelemetrySetup.EndpointVariable] = "http://127.0.0.1:4318", [TelemetrySetup.MetricExportIntervalVariable] = interval },
            "controller"));

        Assert.Equal($"OTEL_METRIC_EXPORT_INTERVAL '{interval}' is not a positive whole number of milliseconds.", error.Message);
    }

    [Fact]
    public void SourceNames_GrainsAndOrleans()
    {
        Assert.Equal([GrainsSource, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans"], TelemetrySetup.SourceNames);
    }

    private static Dictionary<string, string?> HttpProtobuf(OtlpReceiver receiver) => new()
    {
        [TelemetrySetup.EndpointVariable] = receiver.Endpoint,
        [TelemetrySetup.ProtocolVariable] = "http/protobuf",
    };

    /// <summary>A shared 2-core machine may need more than the production flush bound to deliver the last export.</summary>
    private static IDisposable Patient(IDisposable setup)
    {
        if (setup is TelemetrySetup.OtlpExport export)
        {
            export.FlushTimeout = 60_000;
        }

        return setup;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryExportRunsAlone
{
    public const string Name = "OTLP export (runs alone)";
}
