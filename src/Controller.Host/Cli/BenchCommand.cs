using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Controller.Grains;
using Controller.Grains.Inference;
using Controller.Host.Benchmarks;
using Controller.Host.Hosting;
using Controller.Optimization.Isac;
using Controller.Optimization.Policies;
using Controller.Ran.Simulation;

namespace Controller.Host.Cli;

/// <summary><c>controller bench runtime|loop|inference|api|failover|isac|alcor-dnn</c>: measurements a user can repeat on their own machine.</summary>
internal static partial class BenchCommand
{
    public static Command Create(CliStreams io) => new("bench", "Measure the controller's parts on this machine.")
    {
        CreateRuntime(io),
        CreateLoop(io),
        CreateInference(io),
        CreateApi(io),
        CreateFailover(io),
        CreateIsac(io),
        CreateAlcorDnn(io),
    };

    private static Command CreateIsac(CliStreams io)
    {
        var users = IntList("--users", "users per base station, one row each (1: the paper's setup; 10: ten times its users)", [1, 10], 1, 32);
        var instances = CommonOptions.PositiveInt("--instances", "instances per row (configurations 0..n-1 of the seed)", 4, 1_000);
        var runs = CommonOptions.PositiveInt("--runs", "timed runs of every mode; each reports the median", 3, 101);
        var preferences = CommonOptions.PositiveInt("--preferences", "K, preference vectors (solutions) per instance", 8, 256);
        var iterations = CommonOptions.PositiveInt("--iterations", "BOBLRBF's iteration cap", 200, 100_000);
        var artifact = new Option<string>("--artifact") { Description = "boblrbf-dnn artifact directory", DefaultValueFactory = _ => Controller.Learning.Isac.BoblrbfDnnSolver.DefaultArtifactDirectory };
        var seed = new Option<ulong>("--seed") { Description = "scenario seed of the instances (13: apart from the DNN's training and validation seeds 11 and 12)", DefaultValueFactory = _ => 13 };
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("isac", "Solutions per second of BOBLRBF and BOBLRBF-DNN (paper 002) on the isac scenario: the DNN batched (instances x preferences in one pass) and one at a time, the ratio to BOBLRBF measured in the same run.")
        {
            users, instances, runs, preferences, iterations, artifact, seed, json,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new IsacBenchmarkSettings(
                parsed.GetRequiredValue(users), parsed.GetValue(instances), parsed.GetValue(runs), parsed.GetValue(preferences), parsed.GetValue(iterations), parsed.GetValue(seed), parsed.GetRequiredValue(artifact));
            if (settings.Problem() is { } problem)
            {
                throw new CliUsageException(problem);
            }

            var rows = IsacBenchmark.Run(settings, io.Error, cancellationToken);
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer => JsonSerializer.Serialize(
                    writer,
                    new
                    {
                        settings.Instances,
                        settings.Runs,
                        settings.Preferences,
                        settings.Iterations,
                        settings.Seed,
                        Artifact = Path.GetFileName(Path.GetFullPath(settings.Artifact)),
                        IsacBenchmarkSettings.PaperSpeedUp,
                        Rows = rows,
                    },
                    JsonSerializerOptions.Web));
            }
            else
            {
                foreach (var row in rows)
                {
                    io.Output.WriteLine(IsacBenchmark.Line(row));
                }

                io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"paper: BOBLRBF-DNN (RTX 3060) up to {IsacBenchmarkSettings.PaperSpeedUp}x faster convergence than BOBLRBF (i7 CPU); here, CPU only: batched DNN / BOBLRBF = {string.Join(", ", rows.Select(r => $"{r.BatchedRatio:F1}x at {r.UsersPerBaseStation} user(s)/BS"))}"));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateFailover(CliStreams io)
    {
        var cluster = new ClusterOptions();
        var runs = CommonOptions.PositiveInt("--runs", "runs, each on a fresh cluster; medians over them", 3, 100);
        var warmup = CommonOptions.PositiveInt("--warmup", "seconds every region runs before the kill", 10, 3600);
        var rebalance = CommonOptions.NonNegativeInt("--rebalance", "seconds watched after restarting the killed silo (0: no restart)", 15, 3600);
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("failover", "Kill -9 the control silo with the most regions of a local cluster under load; report how long until every region is controlled again, loops lost, operator settings lost and overlaps.")
        {
            runs, warmup, rebalance, json,
        };
        cluster.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var settings = new FailoverSettings(cluster.Read(parsed), parsed.GetValue(runs), parsed.GetValue(warmup), parsed.GetValue(rebalance));
            if (settings.Cluster.ControlSilos < 2)
            {
                throw new CliUsageException("bench failover needs at least 2 control silos (--control): one to kill, one to take over.");
            }

            IReadOnlyList<FailoverRun> results;
            try
            {
                results = await FailoverBenchmark.RunAsync(settings, io.Error, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
            {
                io.Error.WriteLine($"error: bench failover: {exception.Message}");
                return ControllerCli.InternalError;
            }

            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer => FailoverReport.Write(writer, settings, results));
            }
            else
            {
                foreach (var run in results)
                {
                    io.Output.WriteLine(FailoverReport.Line(run));
                }

                io.Output.WriteLine(FailoverReport.MedianLine(results));
            }

            return results.All(r => r.RecoverySeconds is not null) ? 0 : ControllerCli.InternalError;
        });
        return command;
    }

    private static Command CreateApi(CliStreams io)
    {
        var regions = CommonOptions.PositiveInt("--regions", "regions of the demo's network (4 cells, 40 users each)", 8, Controller.Ran.Simulation.RanSimulatorOptions.MaxRegions);
        var period = CommonOptions.PositiveInt("--period", "loop period of every region, ms", 100, ControlPlaneOptions.MaxPeriodMs);
        var warmup = CommonOptions.PositiveInt("--warmup", "seconds run before measuring", 20, 3600);
        var duration = CommonOptions.PositiveInt("--duration", "seconds of each phase (idle, then under load)", 30, 3600);
        var threads = CommonOptions.PositiveInt("--wrk-threads", "wrk threads", 2, 64);
        var connections = CommonOptions.PositiveInt("--connections", "wrk connections", 50, 10_000);
        var wrkNice = CommonOptions.NonNegativeInt("--wrk-nice", "niceness of wrk, 0-19 (19: the controller's threads run first when both want a core, as if the readers were remote)", 19, 19);
        var rate = CommonOptions.NonNegativeInt("--rate", "target reads per second, paced by wrk's Lua delay (0: as fast as wrk can)", 0, 1_000_000);
        var paths = new Option<string[]>("--paths")
        {
            Description = "paths wrk reads in turn, comma-separated",
            DefaultValueFactory = _ => ApiLoadBenchmark.DefaultPaths,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (list.Length == 0 || list.Any(p => !p.StartsWith('/') || p.Any(c => char.IsControl(c) || c == '"' || c == '\\')))
                {
                    result.AddError($"--paths takes absolute paths such as /api/overview, comma-separated (got '{text}').");
                    return [];
                }

                return list;
            },
        };
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("api", "Loop latency idle and while wrk reads the API on loopback (needs Debian's wrk).")
        {
            regions, period, warmup, duration, threads, connections, wrkNice, rate, paths, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var settings = new ApiLoadSettings(parsed.GetValue(regions), parsed.GetValue(period), parsed.GetValue(warmup), parsed.GetValue(duration), parsed.GetValue(threads), parsed.GetValue(connections), parsed.GetRequiredValue(paths), parsed.GetValue(rate), parsed.GetValue(wrkNice));
            var result = await ApiLoadBenchmark.RunAsync(settings, io.Error, cancellationToken).ConfigureAwait(false);
            var ratio = result.Loaded.P99Ms / result.Idle.P99Ms;
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("regions", settings.Regions);
                    writer.WriteNumber("periodMs", settings.PeriodMs);
                    writer.WriteNumber("processors", Environment.ProcessorCount);
                    writer.WriteNumber("durationSeconds", settings.DurationSeconds);
                    writer.WriteString("paths", string.Join(",", settings.Paths));
                    writer.WriteNumber("targetRate", settings.Rate);
                    writer.WriteNumber("connections", settings.Connections);
                    writer.WriteNumber("wrkNice", settings.WrkNice);
                    foreach (var (name, phase) in new[] { ("idle", result.Idle), ("loaded", result.Loaded) })
                    {
                        writer.WriteStartObject(name);
                        writer.WriteNumber("loops", phase.Loops);
                        writer.WriteNumber("p50Ms", Math.Round(phase.P50Ms, 3));
                        writer.WriteNumber("p99Ms", Math.Round(phase.P99Ms, 3));
                        writer.WriteNumber("maxMs", Math.Round(phase.MaxMs, 3));
                        writer.WriteNumber("overruns", phase.Overruns);
                        writer.WriteEndObject();
                    }

                    writer.WriteNumber("requestsPerSecond", Math.Round(result.RequestsPerSecond));
                    writer.WriteNumber("requestP99Ms", Math.Round(result.RequestP99Ms, 3));
                    writer.WriteNumber("errors", result.Errors);
                    writer.WriteNumber("p99Ratio", Math.Round(ratio, 2));
                    writer.WriteEndObject();
                });
            }
            else
            {
                io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"loop p99 idle {result.Idle.P99Ms:F2} ms, under {result.RequestsPerSecond:F0} reads/s {result.Loaded.P99Ms:F2} ms ({ratio:F2}x); p50 {result.Idle.P50Ms:F2} -> {result.Loaded.P50Ms:F2} ms; overruns {result.Idle.Overruns} -> {result.Loaded.Overruns}; request p99 {result.RequestP99Ms:F2} ms, {result.Errors} errors"));
            }

            return 0;
        });
        return command;
    }

    private static Command CreateInference(CliStreams io)
    {
        var users = new Option<int[]>("--users")
        {
            Description = "network sizes n, comma-separated (m = n / 10 APs each)",
            DefaultValueFactory = _ => [40, 100, 400],
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                var sizes = new List<int>();
                foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 10 || n > 16_380 || n % 10 != 0)
                    {
                        result.AddError($"--users takes multiples of 10 in [10, 16380], comma-separated (got '{part}').");
                        return [];
                    }

                    sizes.Add(n);
                }

                if (sizes.Count == 0)
                {
                    result.AddError("--users needs at least one size, e.g. 40,100,400.");
                }

                return [.. sizes];
            },
        };
        var instances = CommonOptions.PositiveInt("--instances", "configurations per size", 5, 1_000);
        var repetitions = CommonOptions.PositiveInt("--repetitions", "timed decisions per configuration and policy", 51, 100_000);
        var artifact = new Option<string>("--artifact")
        {
            Description = "resilient-gnn artifact to time: a name under the artifacts folder or a directory (random weights of the same architecture when the default is not installed)",
            DefaultValueFactory = _ => InferenceBenchmarkSettings.DefaultArtifact,
        };
        var backends = new Option<string[]>("--backends")
        {
            Description = "inference silo backends to time, comma-separated: managed, torchsharp",
            DefaultValueFactory = _ => [.. InferenceSilo.Backends],
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var bad = names.FirstOrDefault(n => !InferenceSilo.Backends.Contains(n));
                if (names.Length == 0 || bad is not null)
                {
                    result.AddError($"--backends takes {string.Join(" and/or ", InferenceSilo.Backends)}, comma-separated (got '{bad ?? text}').");
                    return [];
                }

                return [.. names.Distinct()];
            },
        };
        var batchSizes = IntList("--batch-sizes", "questions (graphs) per forward pass timed for each backend, comma-separated", [1, 64], 1, 4_096);
        var runs = CommonOptions.PositiveInt("--runs", "runs of every backend row; a row reports the median of the runs", 3, 101);
        var batches = CommonOptions.PositiveInt("--batches", "timed batches per backend row and run", 100, 1_000_000);
        var torchThreads = CommonOptions.PositiveInt("--torch-threads", "libtorch intra-op threads of the torchsharp backend (above 1 the measuring thread is not pinned)", 1, Controller.Learning.Inference.TorchSharpInferenceOptions.MaxThreads);
        var pytorch = new Option<string?>("--pytorch-figures") { Description = "JSON file of PyTorch's figures measured elsewhere, shown beside the backends' rows: {\"source\": \"...\", \"rows\": [{\"users\": 40, \"batch\": 1, \"medianMicros\": 80.0, \"p99Micros\": 120.0}]}" };
        var common = new CommonOptions();
        var command = new Command("inference", "GNN decision latency against 100-iteration WMMSE on the same instances, and the inference silo's backends (decisions/s, batch latency), one pinned thread.")
        {
            users, instances, repetitions, artifact, backends, batchSizes, runs, batches, torchThreads, pytorch, common.Seed, common.Json,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            var figures = parsed.GetValue(pytorch) is { } path ? PyTorchFigures.Read(path) : null;
            var settings = new InferenceBenchmarkSettings(
                parsed.GetRequiredValue(users), parsed.GetValue(instances), parsed.GetValue(repetitions), parsed.GetValue(common.Seed), parsed.GetRequiredValue(artifact))
            {
                Backends = parsed.GetRequiredValue(backends),
                BatchSizes = parsed.GetRequiredValue(batchSizes),
                Runs = parsed.GetValue(runs),
                Batches = parsed.GetValue(batches),
                TorchThreads = parsed.GetValue(torchThreads),
                PyTorch = figures,
            };
            if (settings.Problem() is { } problem)
            {
                throw new CliUsageException(problem);
            }

            var result = InferenceBenchmark.Run(settings, io.Error, cancellationToken);
            var hyperparameters = result.Hyperparameters;
            if (parsed.GetValue(common.Json))
            {
                Json.Write(io.Output, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("artifact", result.ArtifactName);
                    writer.WriteString("artifactSource", result.ArtifactSource);
                    writer.WriteNumber("layers", hyperparameters.Layers);
                    writer.WriteNumber("hidden", hyperparameters.Hidden);
                    writer.WriteString("wmmse", "wmmse (100 iterations on the PF-selected links)");
                    writer.WriteNumber("instances", settings.Instances);
                    writer.WriteNumber("repetitions", settings.Repetitions);
                    writer.WriteNumber("processors", Environment.ProcessorCount);
                    if (result.PinnedCpu is { } cpu)
                    {
                        writer.WriteNumber("pinnedCpu", cpu);
                    }
                    else
                    {
                        writer.WriteNull("pinnedCpu");
                    }

                    writer.WriteStartArray("rows");
                    foreach (var row in result.Rows)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("users", row.Users);
                        writer.WriteNumber("aps", row.Aps);
                        writer.WriteNumber("edges", row.Edges);
                        writer.WriteNumber("gnnMicros", Math.Round(row.GnnMicros, 2));
                        writer.WriteNumber("gnnModelMicros", Math.Round(row.GnnModelMicros, 2));
                        writer.WriteNumber("wmmseMicros", Math.Round(row.WmmseMicros, 2));
                        writer.WriteNumber("ratio", Math.Round(row.Ratio, 3));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteString("backendDecision", "one inference-silo answer: question checks, user graph, the batch's forward pass, answer arrays");
                    writer.WriteNumber("runs", settings.Runs);
                    writer.WriteNumber("batchesPerRun", settings.Batches);
                    writer.WriteNumber("torchThreads", settings.TorchThreads);
                    if (figures is not null)
                    {
                        writer.WriteString("pytorchSource", figures.Source);
                    }
                    else
                    {
                        writer.WriteNull("pytorchSource");
                    }

                    writer.WriteStartArray("backendRows");
                    foreach (var row in result.BackendRows)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("backend", row.Backend);
                        writer.WriteString("device", row.Device);
                        writer.WriteNumber("users", row.Users);
                        writer.WriteNumber("aps", row.Aps);
                        writer.WriteNumber("batch", row.Batch);
                        writer.WriteNumber("decisionsPerSecond", Math.Round(row.DecisionsPerSecond, 1));
                        writer.WriteNumber("medianBatchMicros", Math.Round(row.MedianMicros, 2));
                        writer.WriteNumber("p99BatchMicros", Math.Round(row.P99Micros, 2));
                        writer.WriteStartArray("runMedianBatchMicros");
                        foreach (var median in row.RunMedianMicros)
                        {
                            writer.WriteNumberValue(Math.Round(median, 2));
                        }

                        writer.WriteEndArray();
                        writer.WriteNumber("wmmseMicros", Math.Round(row.WmmseMicros, 2));
                        writer.WriteNumber("wmmseDecisionsPerSecond", Math.Round(row.WmmseDecisionsPerSecond, 1));
                        writer.WriteNumber("versusWmmse", Math.Round(row.VersusWmmse, 3));
                        if (row.PyTorch is { } torch)
                        {
                            writer.WriteStartObject("pytorch");
                            writer.WriteNumber("decisionsPerSecond", torch.DecisionsPerSecond);
                            writer.WriteNumber("medianBatchMicros", torch.MedianMicros);
                            if (torch.P99Micros is { } p99)
                            {
                                writer.WriteNumber("p99BatchMicros", p99);
                            }

                            writer.WriteEndObject();
                        }
                        else
                        {
                            writer.WriteNull("pytorch");
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteString("aggGnnArtifact", InferenceBenchmark.AggGnnArtifact);
                    writer.WriteString("aggGnnWmmse", "wmmse (100 iterations on all links of the agg-gnn scenario)");
                    writer.WriteStartArray("aggGnnRows");
                    foreach (var row in result.AggGnnRows)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("pairs", row.Pairs);
                        writer.WriteNumber("aggGnnMicros", Math.Round(row.AggGnnMicros, 2));
                        writer.WriteNumber("wmmseMicros", Math.Round(row.WmmseMicros, 2));
                        writer.WriteNumber("ratio", Math.Round(row.Ratio, 3));
                        writer.WriteNumber("nodeMicros", Math.Round(row.NodeMicros, 3));
                        writer.WriteNumber("nodeRatio", Math.Round(row.WmmseMicros / row.NodeMicros, 1));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                io.Output.WriteLine($"gnn: {result.ArtifactName} ({hyperparameters.Layers} layers x {hyperparameters.Hidden}; {result.ArtifactSource})");
                io.Output.WriteLine(string.Create(c, $"wmmse: 100 iterations on the PF-selected links; medians of {settings.Instances} instances x {settings.Repetitions} runs, one thread{(result.PinnedCpu is { } cpu ? $" pinned to cpu {cpu}" : string.Empty)}"));
                io.Output.WriteLine("  users    aps      edges    gnn us  (model us)   wmmse us   wmmse/gnn");
                foreach (var row in result.Rows)
                {
                    io.Output.WriteLine(string.Create(c, $"{row.Users,7} {row.Aps,6} {row.Edges,10} {row.GnnMicros,9:F1} {row.GnnModelMicros,11:F1} {row.WmmseMicros,10:F1} {row.Ratio,11:F3}"));
                }

                if (result.BackendRows.Count > 0)
                {
                    io.Output.WriteLine(string.Create(c, $"inference silo backends: one answer = question checks, user graph, the batch's forward pass; batch latency medians of {settings.Runs} runs x {settings.Batches} batches; torch threads {settings.TorchThreads}{(figures is null ? string.Empty : $"; pytorch: {figures.Source}")}"));
                    io.Output.WriteLine("  backend     device  users  batch   decisions/s   median us      p99 us   wmmse dec/s   x wmmse   pytorch dec/s  pytorch median us");
                    foreach (var row in result.BackendRows)
                    {
                        var torch = row.PyTorch is { } t ? string.Create(c, $"{t.DecisionsPerSecond,15:F0} {t.MedianMicros,18:F1}") : $"{"-",15} {"-",18}";
                        io.Output.WriteLine(string.Create(c, $"  {row.Backend,-11} {row.Device,-6} {row.Users,6} {row.Batch,6} {row.DecisionsPerSecond,13:F0} {row.MedianMicros,11:F1} {row.P99Micros,11:F1} {row.WmmseDecisionsPerSecond,13:F0} {row.VersusWmmse,9:F2} {torch}"));
                    }
                }

                if (result.AggGnnRows.Count > 0)
                {
                    io.Output.WriteLine($"agg-gnn: {InferenceBenchmark.AggGnnArtifact} on the agg-gnn scenario; wmmse: 100 iterations on all links");
                    io.Output.WriteLine("  pairs  agg-gnn us   wmmse us   wmmse/agg-gnn   one node us   wmmse/node");
                    foreach (var row in result.AggGnnRows)
                    {
                        io.Output.WriteLine(string.Create(c, $"{row.Pairs,7} {row.AggGnnMicros,11:F1} {row.WmmseMicros,10:F1} {row.Ratio,15:F3} {row.NodeMicros,13:F2} {row.WmmseMicros / row.NodeMicros,12:F1}"));
                    }
                }
            }

            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>A comma-separated list of whole numbers in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    private static Option<int[]> IntList(string name, string description, int[] defaults, int minimum, int maximum) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaults,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            var values = new List<int>();
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} takes whole numbers in [{minimum}, {maximum}], comma-separated (got '{part}')."));
                    return [];
                }

                values.Add(value);
            }

            if (values.Count == 0)
            {
                result.AddError($"{name} needs at least one value.");
            }

            return [.. values.Distinct()];
        },
    };

    private static Command CreateLoop(CliStreams io)
    {
        var cells = CommonOptions.PositiveInt("--cells", "cells in all regions (resilient-rrm)", 1_000, 1_000_000);
        var users = CommonOptions.PositiveInt("--users", "users in all regions (resilient-rrm)", 20_000, 10_000_000);
        var perRegion = CommonOptions.PositiveInt("--cells-per-region", "cells per region (interfering group, the scenario's aps; resilient-rrm)", 4, 1024);
        var scenario = new Option<string>("--scenario") { Description = $"scenario of the regions: {RanSimulatorOptions.DefaultScenario} (sized by --cells, --users) or {LoopBenchmarkSettings.IsacScenario} (paper 002's network per region, sized by --regions)", DefaultValueFactory = _ => RanSimulatorOptions.DefaultScenario };
        scenario.AcceptOnlyFromAmong(RanSimulatorOptions.DefaultScenario, LoopBenchmarkSettings.IsacScenario);
        var regions = new Option<int?>("--regions") { Description = $"regions ({LoopBenchmarkSettings.IsacScenario} only; default 8, as the demo)", CustomParser = result => CommonOptions.ParseInt(result, 1, RanSimulatorOptions.MaxRegions) };
        var period = CommonOptions.PositiveInt("--period", "loop period of every region, ms", 100, ControlPlaneOptions.MaxPeriodMs);
        var policy = new Option<string?>("--policy") { Description = $"policy of every region (default {ControlPlaneOptions.DefaultPolicy}; {IsacPolicy.RobustName} on {LoopBenchmarkSettings.IsacScenario})" };
        var baseline = new Option<string?>("--baseline") { Description = $"policy measured in the same session, run for run, for the ratio (default: none; {IsacBaseline} on {LoopBenchmarkSettings.IsacScenario}, the fixed budget the adaptive one replaced); 'none': no baseline" };
        var runs = new Option<int?>("--runs") { Description = $"runs of each policy, each on a fresh silo, interleaved with the baseline's; medians reported (default 1; 3 on {LoopBenchmarkSettings.IsacScenario})", CustomParser = result => CommonOptions.ParseInt(result, 1, 101) };
        // 20 s: with a 3 s warm-up the JIT was still compiling the silo's hot paths through the measured window (perf:
        // libclrjit 10 % of the process's samples, methods still at their instrumented tier), which is start-up cost,
        // not loop cost (README of Controller.Grains).
        var warmup = CommonOptions.PositiveInt("--warmup", "seconds run before measuring (JIT tiering settles within it)", 20, 3600);
        var duration = CommonOptions.PositiveInt("--duration", "seconds measured", 10, 86_400);
        var common = new CommonOptions();
        var inference = new InferenceOptions("region");
        var command = new Command("loop", "Region control loops at scale: loop latency, overruns, user updates per second, CPU; on the isac scenario also the designs' CRLB, true WSR and iterations per loop.")
        {
            scenario, cells, users, perRegion, regions, period, policy, baseline, runs, warmup, duration, inference.Place, inference.Backend, inference.TorchThreads, common.Seed, common.Json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var isac = parsed.GetRequiredValue(scenario) == LoopBenchmarkSettings.IsacScenario;
            if (isac && new[] { cells, users, perRegion }.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } sized)
            {
                throw new CliUsageException($"{sized.Name} sizes the {RanSimulatorOptions.DefaultScenario} network; with --scenario {LoopBenchmarkSettings.IsacScenario} give --regions (each region has the scenario's own base stations and users).");
            }

            if (!isac && parsed.GetValue(regions) is not null)
            {
                throw new CliUsageException($"--regions applies to --scenario {LoopBenchmarkSettings.IsacScenario}; {RanSimulatorOptions.DefaultScenario}'s regions are --cells / --cells-per-region.");
            }

            var settings = new LoopBenchmarkSettings(
                parsed.GetValue(cells), parsed.GetValue(users), parsed.GetValue(perRegion), parsed.GetValue(period),
                parsed.GetValue(policy) ?? (isac ? IsacPolicy.RobustName : ControlPlaneOptions.DefaultPolicy),
                parsed.GetValue(warmup), parsed.GetValue(duration), parsed.GetValue(common.Seed));
            settings = settings with
            {
                Scenario = parsed.GetRequiredValue(scenario),
                IsacRegions = parsed.GetValue(regions) ?? 8,
                ThroughInferenceGrains = inference.Read(parsed),
                InferenceBackend = parsed.GetRequiredValue(inference.Backend),
                TorchThreads = parsed.GetValue(inference.TorchThreads),
            };
            if (settings.Problem() is { } problem)
            {
                throw new CliUsageException(problem);
            }

            var givenBaseline = parsed.GetValue(baseline);
            if (givenBaseline is not null && string.IsNullOrWhiteSpace(givenBaseline))
            {
                throw new CliUsageException("--baseline needs a policy name, or 'none' for no baseline.");
            }

            var baselineSpec = givenBaseline == "none" ? null : givenBaseline ?? (isac ? IsacBaseline : null);

            HostPolicies.Provider.Validate(settings.Policy);
            if (baselineSpec is not null)
            {
                HostPolicies.Provider.Validate(baselineSpec);
            }

            var runCount = parsed.GetValue(runs) ?? (isac ? 3 : 1);
            var measured = new List<LoopBenchmarkResult>();
            var baselines = new List<LoopBenchmarkResult>();
            for (var run = 0; run < runCount; run++)
            {
                if (runCount > 1)
                {
                    io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench loop: run {run + 1} of {runCount}"));
                }

                // Interleaved, so that the policy and its baseline see the same changes of the machine's load.
                measured.Add(await LoopBenchmark.RunAsync(settings, io.Error, cancellationToken).ConfigureAwait(false));
                if (baselineSpec is not null)
                {
                    baselines.Add(await LoopBenchmark.RunAsync(settings with { Policy = baselineSpec }, io.Error, cancellationToken).ConfigureAwait(false));
                }
            }

            var result = LoopBenchmark.Median(measured);
            var reference = baselines.Count == 0 ? null : LoopBenchmark.Median(baselines);
            if (parsed.GetValue(common.Json))
            {
                Json.Write(io.Output, writer => LoopReport.Write(writer, result, reference, measured, baselines));
            }
            else
            {
                foreach (var line in LoopReport.Lines(result, reference))
                {
                    io.Output.WriteLine(line);
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The baseline of <c>bench loop --scenario isac</c>: the fixed budget that was <c>isac-robust</c>'s default before the adaptive one.</summary>
    internal const string IsacBaseline = "isac-robust:10";

    private static Command CreateRuntime(CliStreams io)
    {
        var load = new CallLoadOptions("distinct grains called round-robin", grains: 10_000, calls: 2_000_000, latencyCalls: 200_000);
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout" };
        var command = new Command("runtime", "Grain call throughput and latency against a raw channel baseline.") { load.Grains, load.Calls, load.Concurrency, load.LatencyCalls, json };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var settings = load.Read(parsed);

            var result = await RuntimeBenchmark.RunAsync(settings, io.Error, cancellationToken).ConfigureAwait(false);
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer =>
                {
                    writer.WriteStartObject();
                    CallLoadOptions.WriteLoad(writer, settings);
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

    /// <summary>The call load of <c>bench runtime</c> and <c>bench cluster</c>: grains, calls, callers, sequential calls.</summary>
    private sealed class CallLoadOptions(string grainsDescription, int grains, int calls, int latencyCalls)
    {
        public Option<int> Grains { get; } = CommonOptions.PositiveInt("--grains", grainsDescription, grains, 10_000_000);

        public Option<int> Calls { get; } = CommonOptions.PositiveInt("--calls", "calls in each throughput phase", calls, 1_000_000_000);

        public Option<int> Concurrency { get; } = CommonOptions.PositiveInt("--concurrency", "callers with a call in flight", 64, 100_000);

        public Option<int> LatencyCalls { get; } = CommonOptions.PositiveInt("--latency-calls", "sequential calls timed for latency", latencyCalls, 100_000_000);

        public RuntimeBenchmarkSettings Read(ParseResult parsed)
        {
            var settings = new RuntimeBenchmarkSettings(parsed.GetValue(Grains), parsed.GetValue(Calls), parsed.GetValue(Concurrency), parsed.GetValue(LatencyCalls));
            return settings.Concurrency <= settings.Calls
                ? settings
                : throw new CliUsageException($"--concurrency ({settings.Concurrency}) cannot exceed --calls ({settings.Calls}).");
        }

        public static void WriteLoad(System.Text.Json.Utf8JsonWriter writer, RuntimeBenchmarkSettings settings)
        {
            writer.WriteNumber("grains", settings.Grains);
            writer.WriteNumber("calls", settings.Calls);
            writer.WriteNumber("concurrency", settings.Concurrency);
        }
    }
}
