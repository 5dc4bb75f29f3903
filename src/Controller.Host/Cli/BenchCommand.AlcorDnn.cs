using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Controller.Host.Benchmarks;

namespace Controller.Host.Cli;

/// <summary><c>controller bench alcor-dnn</c>: paper 001's trained allocators against WMMSE, per decision.</summary>
internal static partial class BenchCommand
{
    private static Command CreateAlcorDnn(CliStreams io)
    {
        var users = IntList("--users", "network sizes N, one group of rows each (needs the alcor-dnn-*-nN artifacts: 5, 10, 20 and 50 are committed)", [10, 20, 50], 2, 64);
        var slots = CommonOptions.PositiveInt("--slots", "timed decisions (slots) per policy and run", 500, 1_000_000);
        var runs = CommonOptions.PositiveInt("--runs", "timed runs of every policy; each row reports the median", 5, 101);
        var seed = new Option<ulong>("--seed") { Description = "scenario seed of the channels (13: apart from the networks' training and validation seeds 11 and 12)", DefaultValueFactory = _ => 13 };
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("alcor-dnn", "Paper 001's trained allocators (dnn:alcor-dnn-centralized-nN, -distributed-nN, ALCOR around the centralized one) against 100-iteration WMMSE on the same gaussian-ic slots: microseconds per decision, the speed-up over WMMSE measured in the same run, and each one's sum rate.")
        {
            users, slots, runs, seed, json,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new AlcorDnnBenchmarkSettings(parsed.GetRequiredValue(users), parsed.GetValue(slots), parsed.GetValue(runs), parsed.GetValue(seed));
            foreach (var policy in settings.Users.SelectMany(AlcorDnnBenchmarkSettings.Policies))
            {
                try
                {
                    HostPolicies.Provider.Validate(policy);
                }
                catch (Exception e) when (e is Controller.Radio.RadioInputException or ArgumentException)
                {
                    throw new CliUsageException($"--users: {e.Message}");
                }
            }

            var rows = AlcorDnnBenchmark.Run(settings, io.Error, cancellationToken);
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer => JsonSerializer.Serialize(writer, new { settings.Slots, settings.Runs, settings.Seed, threads = 1, rows }, JsonSerializerOptions.Web));
            }
            else
            {
                foreach (var row in rows)
                {
                    io.Output.WriteLine(AlcorDnnBenchmark.Line(row));
                }

                io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"paper: the trained policies make URA faster than WMMSE at similar sum rate (Table I, no timing given); here, one thread: centralized DNN / WMMSE = {string.Join(", ", rows.Where(r => r.Policy.StartsWith("dnn:alcor-dnn-centralized", StringComparison.Ordinal)).Select(r => $"{r.SpeedUp:F1}x at N = {r.Users}"))}"));
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
