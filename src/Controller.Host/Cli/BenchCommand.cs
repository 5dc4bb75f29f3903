using System.CommandLine;
using System.Globalization;
using Controller.Host.Benchmarks;

namespace Controller.Host.Cli;

/// <summary><c>controller bench runtime</c>: measurements a user can repeat on their own machine.</summary>
internal static class BenchCommand
{
    public static Command Create(CliStreams io) => new("bench", "Measure the controller's parts on this machine.")
    {
        CreateRuntime(io),
    };

    private static Command CreateRuntime(CliStreams io)
    {
        var grains = CommonOptions.PositiveInt("--grains", "distinct grains called round-robin", 10_000, 10_000_000);
        var calls = CommonOptions.PositiveInt("--calls", "calls in each throughput phase", 2_000_000, 1_000_000_000);
        var concurrency = CommonOptions.PositiveInt("--concurrency", "callers with a call in flight", 64, 100_000);
        var latencyCalls = CommonOptions.PositiveInt("--latency-calls", "sequential calls timed for latency", 200_000, 100_000_000);
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("runtime", "Grain call throughput and latency against a raw channel baseline.") { grains, calls, concurrency, latencyCalls, json };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var settings = new RuntimeBenchmarkSettings(parsed.GetValue(grains), parsed.GetValue(calls), parsed.GetValue(concurrency), parsed.GetValue(latencyCalls));
            if (settings.Concurrency > settings.Calls)
            {
                throw new CliUsageException($"--concurrency ({settings.Concurrency}) cannot exceed --calls ({settings.Calls}).");
            }

            var result = await RuntimeBenchmark.RunAsync(settings, io.Error, cancellationToken).ConfigureAwait(false);
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("grains", settings.Grains);
                    writer.WriteNumber("calls", settings.Calls);
                    writer.WriteNumber("concurrency", settings.Concurrency);
                    writer.WriteNumber("processors", Environment.ProcessorCount);
                    writer.WriteNumber("callsPerSecond", Math.Round(result.CallsPerSecond));
                    writer.WriteNumber("p50Micros", Math.Round(result.P50Micros, 3));
                    writer.WriteNumber("p99Micros", Math.Round(result.P99Micros, 3));
                    writer.WriteNumber("loadedP50Micros", Math.Round(result.LoadedP50Micros, 3));
                    writer.WriteNumber("loadedP99Micros", Math.Round(result.LoadedP99Micros, 3));
                    writer.WriteNumber("baselineCallsPerSecond", Math.Round(result.BaselineCallsPerSecond));
                    writer.WriteNumber("baselineP50Micros", Math.Round(result.BaselineP50Micros, 3));
                    writer.WriteNumber("baselineP99Micros", Math.Round(result.BaselineP99Micros, 3));
                    writer.WriteNumber("costRatio", Math.Round(result.BaselineCallsPerSecond / result.CallsPerSecond, 3));
                    writer.WriteNumber("cpuSeconds", Math.Round(result.CpuSeconds, 2));
                    writer.WriteEndObject();
                });
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                io.Output.WriteLine(string.Create(c, $"grains {settings.Grains}, {settings.Calls} calls, {settings.Concurrency} callers, {Environment.ProcessorCount} processors"));
                io.Output.WriteLine(string.Create(c, $"runtime   {result.CallsPerSecond,12:N0} calls/s   unloaded p50 {result.P50Micros,7:F2} us  p99 {result.P99Micros,7:F2} us   loaded p50 {result.LoadedP50Micros:F1} us p99 {result.LoadedP99Micros:F1} us"));
                io.Output.WriteLine(string.Create(c, $"baseline  {result.BaselineCallsPerSecond,12:N0} calls/s   unloaded p50 {result.BaselineP50Micros,7:F2} us  p99 {result.BaselineP99Micros,7:F2} us"));
                io.Output.WriteLine(string.Create(c, $"cost per call: {result.BaselineCallsPerSecond / result.CallsPerSecond:F2}x the baseline"));
            }

            return 0;
        });
        return command;
    }
}
