using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Controller.Host.Telemetry;

/// <summary>
/// OTLP export of the controller's traces and metrics, configured by the standard OpenTelemetry environment
/// variables. Only <c>OTEL_*</c> variables are read, and they reach the SDK as its <see cref="IConfiguration"/>,
/// so everything the SDK reads from the environment (<c>OTEL_EXPORTER_OTLP_*</c> including the per-signal
/// variants, <c>OTEL_BSP_*</c>, <c>OTEL_METRIC_EXPORT_*</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>,
/// <c>OTEL_SERVICE_NAME</c>) keeps its standard meaning. The variables the SDK would silently ignore when
/// malformed are checked here first and fail with one <see cref="TelemetryConfigurationException"/> line.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>Collector base URL; export is on only when it is set. Signals go to <c>/v1/traces</c> and <c>/v1/metrics</c> under it for http/protobuf.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; unset means the SDK's default (grpc).</summary>
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>Overrides the service name passed to <see cref="Start(IReadOnlyDictionary{string, string?}, string)"/>.</summary>
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>Milliseconds between metric exports; unset means <see cref="DefaultMetricExportIntervalMilliseconds"/>.</summary>
    public const string MetricExportIntervalVariable = "OTEL_METRIC_EXPORT_INTERVAL";

    /// <summary><c>true</c> turns export off whatever else is set.</summary>
    public const string SdkDisabledVariable = "OTEL_SDK_DISABLED";

    /// <summary>
    /// Metric export interval when <see cref="MetricExportIntervalVariable"/> is unset. The SDK's own default
    /// (60 s) is longer than a whole eval run and hides a control loop's second-scale behaviour on a dashboard.
    /// </summary>
    public const int DefaultMetricExportIntervalMilliseconds = 5_000;

    /// <summary>
    /// Upper bound on the flush at dispose, so a collector that accepts connections and never answers delays
    /// the exit of the process by seconds, not by the exporter's timeouts and retries.
    /// </summary>
    public const int FlushTimeoutMilliseconds = 5_000;

    private const string EnvironmentPrefix = "OTEL_";

    private static readonly string[] EndpointVariables =
        [EndpointVariable, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    private static readonly string[] ProtocolVariables =
        [ProtocolVariable, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"];

    /// <summary>
    /// The ActivitySource and Meter names exported. Add a component's name here when it starts tracing;
    /// <see cref="Start(IReadOnlyDictionary{string, string?}, string)"/> reads the list when it is called.
    /// </summary>
    public static readonly string[] SourceNames = [Controller.Grains.Diagnostics.ControlTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans"];

    /// <summary>What <see cref="Start(IReadOnlyDictionary{string, string?}, string)"/> returns when export is off; disposing it does nothing.</summary>
    public static IDisposable Disabled { get; } = new NoExport();

    /// <summary>True when this process exports over OTLP: silos then propagate activities through grain calls (a cost paid only when traces go somewhere).</summary>
    public static bool Exporting => _processWide || HostedExport;

    /// <summary>Set by the entry point for the silo verbs when export is asked for: their hosts add it (<see cref="AddTo"/>).</summary>
    public static bool HostedExport { get; set; }

    private static bool _processWide;

    /// <summary>Starts export configured by this process's environment variables.</summary>
    /// <inheritdoc cref="Start(IReadOnlyDictionary{string, string?}, string)"/>
    public static IDisposable Start(string serviceName) => Start(ProcessEnvironment(), serviceName);

    /// <summary>
    /// Starts a tracer provider and a meter provider for <see cref="SourceNames"/>, both exporting over OTLP,
    /// when <paramref name="environment"/> sets <see cref="EndpointVariable"/> (and does not set
    /// <see cref="SdkDisabledVariable"/> to true); otherwise returns <see cref="Disabled"/>. Disposing the
    /// result flushes what is buffered, waiting at most <see cref="FlushTimeoutMilliseconds"/>.
    /// </summary>
    /// <param name="environment">Environment variables by name; only the <c>OTEL_*</c> ones are read.</param>
    /// <param name="serviceName">The <c>service.name</c> resource attribute unless <see cref="ServiceNameVariable"/> sets one.</param>
    /// <exception cref="TelemetryConfigurationException">An endpoint is not an absolute http(s) URL, a protocol is not one the SDK supports, or the metric export interval is not a positive integer.</exception>
    public static IDisposable Start(IReadOnlyDictionary<string, string?> environment, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        if (Settings(environment) is not { } settings)
        {
            return Disabled;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        // One instance id for both providers: the SDK would otherwise draw one per resource it builds, and a
        // backend would see the traces and the metrics of this process as two service instances.
        var instanceId = Guid.NewGuid().ToString();
        void ConfigureResource(ResourceBuilder resource) => resource
            .Clear()
            .AddService(serviceName, serviceInstanceId: instanceId)
            .AddTelemetrySdk()
            // After AddService so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the code's name, as the
            // specification asks; the detectors read the configuration registered below, not the process.
            .AddEnvironmentVariableDetector();
        void UseSettings(IServiceCollection services) => services.AddSingleton<IConfiguration>(configuration);

        string[] sources = [.. SourceNames];
        TracerProvider? tracerProvider = null;
        try
        {
            tracerProvider = Sdk.CreateTracerProviderBuilder()
                .ConfigureServices(UseSettings)
                .ConfigureResource(ConfigureResource)
                .AddSource(sources)
                .AddOtlpExporter()
                .Build();
            var metricExportInterval = 0;
            var meterProvider = Sdk.CreateMeterProviderBuilder()
                .ConfigureServices(UseSettings)
                .ConfigureResource(ConfigureResource)
                .AddMeter(sources)
                .AddOtlpExporter((_, reader) =>
                {
                    // The SDK has already read OTEL_METRIC_EXPORT_INTERVAL into the options; only fill the gap.
                    var periodic = reader.PeriodicExportingMetricReaderOptions;
                    periodic.ExportIntervalMilliseconds ??= DefaultMetricExportIntervalMilliseconds;
                    metricExportInterval = periodic.ExportIntervalMilliseconds.Value;
                })
                .Build();
            _processWide = true;
            return new OtlpExport(tracerProvider, meterProvider, metricExportInterval);
        }
        catch
        {
            tracerProvider?.Dispose();
            throw;
        }
    }

    /// <summary>The <c>OTEL_*</c> variables of this process.</summary>
    /// <summary>
    /// Adds metrics of <see cref="SourceNames"/> to a silo host through OpenTelemetry's hosting package
    /// (<c>AddOpenTelemetry()</c>: the providers live and flush with the host): for Prometheus to scrape
    /// (<paramref name="prometheus"/>: the host maps <c>/metrics</c>) and, with traces, over OTLP when the entry point
    /// found export asked for by a silo verb (<see cref="HostedExport"/>); the same settings and checks as
    /// <see cref="Start(string)"/>, which serves the verbs without a host.
    /// </summary>
    /// <exception cref="TelemetryConfigurationException">As for <see cref="Start(IReadOnlyDictionary{string, string?}, string)"/>.</exception>
    public static void AddTo(IHostApplicationBuilder builder, string serviceName, bool prometheus = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otlp = HostedExport ? Settings(ProcessEnvironment()) : null;
        if (otlp is null && !prometheus)
        {
            return;
        }

        if (otlp is not null)
        {
            builder.Configuration.AddInMemoryCollection(otlp);
        }

        var instanceId = Guid.NewGuid().ToString();
        string[] sources = [.. SourceNames];
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.Clear().AddService(serviceName, serviceInstanceId: instanceId).AddTelemetrySdk().AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(sources).AddView(LoopDurationInstrument, new ExplicitBucketHistogramConfiguration { Boundaries = LoopDurationBucketsMs });
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter((_, reader) =>
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds ??= DefaultMetricExportIntervalMilliseconds);
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(sources).AddOtlpExporter());
        }
    }

    /// <summary>The loop latency histogram, whose buckets <see cref="LoopDurationBucketsMs"/> sets.</summary>
    public const string LoopDurationInstrument = "controller.loop.duration";

    /// <summary>
    /// Bucket bounds of the loop latency histogram, ms. The SDK's defaults (0, 5, 10, 25, ... ms) put every loop of
    /// the demo (0.1-2 ms) in one bucket; these resolve sub-millisecond loops and still reach a slow one's second.
    /// </summary>
    public static readonly double[] LoopDurationBucketsMs = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

    /// <summary>True when this process's environment asks for OTLP export (checked: throws for malformed settings).</summary>
    public static bool Requested() => Settings(ProcessEnvironment()) is not null;

    /// <summary>The <c>OTEL_*</c> settings when export is asked for and well-formed; null when it is not asked for.</summary>
    private static Dictionary<string, string?>? Settings(IReadOnlyDictionary<string, string?> environment)
    {
        var settings = environment
            .Where(pair => pair.Key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(pair.Value))
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        if (!settings.ContainsKey(EndpointVariable)
            || (settings.TryGetValue(SdkDisabledVariable, out var disabled) && string.Equals(disabled?.Trim(), "true", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        Validate(settings);
        return settings;
    }

    internal static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            {
                variables[name] = entry.Value as string;
            }
        }

        return variables;
    }

    // The SDK logs a malformed value to its EventSource and falls back to a default (localhost:4317, grpc,
    // 60 s), so a typo would export nowhere without a word; these checks turn it into a start-up error.
    private static void Validate(Dictionary<string, string?> settings)
    {
        foreach (var name in EndpointVariables)
        {
            if (settings.TryGetValue(name, out var value)
                && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            {
                throw new TelemetryConfigurationException($"{name} '{value}' is not an absolute http(s) URL.");
            }
        }

        foreach (var name in ProtocolVariables)
        {
            if (settings.TryGetValue(name, out var value) && value is not ("grpc" or "http/protobuf"))
            {
                throw new TelemetryConfigurationException($"{name} '{value}' is not supported; use 'grpc' or 'http/protobuf'.");
            }
        }

        if (settings.TryGetValue(MetricExportIntervalVariable, out var interval)
            && !(int.TryParse(interval, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds > 0))
        {
            throw new TelemetryConfigurationException($"{MetricExportIntervalVariable} '{interval}' is not a positive whole number of milliseconds.");
        }
    }

    private sealed class NoExport : IDisposable
    {
        public void Dispose()
        {
        }
    }

    /// <summary>The running providers; disposing flushes and stops both.</summary>
    internal sealed class OtlpExport(TracerProvider tracerProvider, MeterProvider meterProvider, int metricExportIntervalMilliseconds) : IDisposable
    {
        /// <summary>The interval the periodic metric reader was given.</summary>
        public int MetricExportIntervalMilliseconds { get; } = metricExportIntervalMilliseconds;

        /// <summary>How long disposing waits for the last export (tests on a loaded machine wait longer).</summary>
        public int FlushTimeout { get; set; } = FlushTimeoutMilliseconds;

        public void Dispose()
        {
            // Shutdown exports what the batch processor and the metric reader still hold; Dispose alone would
            // wait for that without a bound. Both at once, so a stalled collector costs one timeout, not two.
            Parallel.Invoke(
                () => tracerProvider.Shutdown(FlushTimeout),
                () => meterProvider.Shutdown(FlushTimeout));
            tracerProvider.Dispose();
            meterProvider.Dispose();
        }
    }
}
