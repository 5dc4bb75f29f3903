using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Learning.Isac;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Scenarios;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller train resilient-gnn|agg-gnn|sel-gnn|boblrbf-dnn --out DIR [options]</c>: trains a learned policy in process on the
/// controller's own scenarios (TorchSharp, src/Controller.Learning) and writes an artifact that <c>policy import</c>
/// and the regions load. Options and defaults are the trainers'; the exact command is recorded in the manifest.
/// </summary>
internal static partial class TrainCommand
{
    public static Command Create(CliStreams io)
    {
        var command = new Command("train", "Train a learned policy (TorchSharp) on the controller's scenarios and write an artifact.")
        {
            ResilientCommand(io),
            AggCommand(io, AggGnnHyperparameters.Name, "Paper 004: model-free primal-dual training of the Agg-GNN under the power budget (agg-gnn scenario)."),
            AggCommand(io, SelGnnHyperparameters.Name, "Paper 004's centralized comparison: the selection GNN on the whole current channel, trained like agg-gnn (same options, data and algorithm)."),
            BoblrbfDnnCommand(io),
            AlcorDnnCommand(io),
        };
        return command;
    }

    private static Command ResilientCommand(CliStreams io)
    {
        var d = new ResilientTrainerOptions();
        var o = new Common(d.Epochs, d.Batch, d.LearningRate, d.DualStep, d.BaselineDecay, d.Threads, (long)d.TrainSeed, (long)d.ValidationSeed, (long)d.TestSeed);
        var halveEvery = new Option<int>("--halve-every") { Description = "halve the learning rate and the dual step every N epochs (0: epochs / 4)", DefaultValueFactory = _ => d.HalveEvery };
        var alpha = new Option<double>("--alpha") { Description = "slack cost alpha", DefaultValueFactory = _ => d.Alpha };
        var muZero = new Option<bool>("--mu-zero") { Description = "no minimum-rate constraint (mu = 0)" };
        var utility = new Option<string>("--utility") { Description = "U(x): pf (alpha-fair, lambda = fbar^-alpha + mu) or sum (paper 003: lambda = 1 + mu)", DefaultValueFactory = _ => d.Utility.ToString().ToLowerInvariant() };
        utility.AcceptOnlyFromAmong("pf", "sum");
        var follow = new Option<string>("--follow") { Description = "training trajectory: sampled (paper 003) or greedy (execution selection)", DefaultValueFactory = _ => d.Follow.ToString().ToLowerInvariant() };
        follow.AcceptOnlyFromAmong("sampled", "greedy");
        var pfFloor = new Option<double>("--pf-floor") { Description = "utility pf: 1/fbar uses max(fbar, floor)", DefaultValueFactory = _ => d.PfFloor };
        var fairness = new Option<double>("--fairness") { Description = "utility pf: alpha of the alpha-fair utility (1 = proportional fair)", DefaultValueFactory = _ => d.Fairness };
        var powerInit = new Option<double>("--power-init") { Description = "initial power.bias (logit of p / Pmax)", DefaultValueFactory = _ => d.PowerInit };
        var fmin = new Option<double?>("--fmin") { Description = "per-user minimum rate in bps/Hz (default: the scenario's, paper 003's 1)" };
        var aps = new Option<int>("--aps") { Description = "APs m", DefaultValueFactory = _ => d.Aps };
        var users = new Option<int>("--users") { Description = "users n", DefaultValueFactory = _ => d.Users };
        var slots = new Option<int>("--slots") { Description = "slots per configuration, warm-up included", DefaultValueFactory = _ => d.Slots };
        var trainConfigs = new Option<int>("--train-configs") { DefaultValueFactory = _ => d.TrainConfigs };
        var valConfigs = new Option<int>("--val-configs") { DefaultValueFactory = _ => d.ValidationConfigs };
        var testConfigs = new Option<int>("--test-configs") { Description = "0: no test evaluation", DefaultValueFactory = _ => d.TestConfigs };
        var baselines = new Option<string>("--baselines") { Description = "controller policies scored on the test seed, comma-separated ('' for none)", DefaultValueFactory = _ => string.Join(',', d.Baselines) };
        var command = new Command("resilient-gnn", "Paper 003: state-augmented primal-dual training of the resilient GNN (resilient-rrm scenario).")
        {
            halveEvery, alpha, muZero, utility, follow, pfFloor, fairness, powerInit, fmin, aps, users, slots, trainConfigs, valConfigs, testConfigs, baselines,
        };
        o.AddTo(command);
        command.SetAction(parsed =>
        {
            var options = new ResilientTrainerOptions
            {
                Name = parsed.GetValue(o.Name),
                Seed = parsed.GetValue(o.Seed),
                Epochs = parsed.GetValue(o.Epochs),
                Batch = parsed.GetValue(o.Batch),
                LearningRate = parsed.GetValue(o.LearningRate),
                DualStep = parsed.GetValue(o.DualStep),
                HalveEvery = parsed.GetValue(halveEvery),
                Alpha = parsed.GetValue(alpha),
                BaselineDecay = parsed.GetValue(o.BaselineDecay),
                MuZero = parsed.GetValue(muZero),
                Utility = parsed.GetValue(utility) == "sum" ? ResilientUtility.Sum : ResilientUtility.Pf,
                Follow = parsed.GetValue(follow) == "greedy" ? ResilientFollow.Greedy : ResilientFollow.Sampled,
                PfFloor = parsed.GetValue(pfFloor),
                Fairness = parsed.GetValue(fairness),
                PowerInit = parsed.GetValue(powerInit),
                Fmin = parsed.GetValue(fmin),
                Aps = parsed.GetValue(aps),
                Users = parsed.GetValue(users),
                Slots = parsed.GetValue(slots),
                TrainSeed = Seed(parsed.GetValue(o.TrainSeed), "--train-seed"),
                ValidationSeed = Seed(parsed.GetValue(o.ValidationSeed), "--val-seed"),
                TestSeed = Seed(parsed.GetValue(o.TestSeed), "--test-seed"),
                TrainConfigs = parsed.GetValue(trainConfigs),
                ValidationConfigs = parsed.GetValue(valConfigs),
                TestConfigs = parsed.GetValue(testConfigs),
                Baselines = SplitList(parsed.GetValue(baselines)),
                Threads = parsed.GetValue(o.Threads),
                Command = CommandLine(parsed),
                CodeVersion = CodeVersion(),
            };
            Validate(options.Validate);
            var output = PrepareOutput(parsed.GetRequiredValue(o.Out), parsed.GetValue(o.Overwrite));
            var outcome = EpochProgressDisplay.Run(io.Error, options.ArtifactName, options.Epochs, progress => new ResilientTrainer(options).Train(progress));
            return Finish(io, output, outcome);
        });
        return command;
    }

    private static Command AggCommand(CliStreams io, string architecture, string description)
    {
        var d = new AggTrainingOptions();
        var o = new Common(d.Epochs, d.Batch, d.LearningRate, d.DualStep, d.BaselineDecay, d.Threads, (long)d.TrainSeed, (long)d.ValidationSeed, (long)d.TestSeed);
        var halveEvery = new Option<int>("--lr-halve-every") { Description = "halve the learning rate every N epochs (0: never)", DefaultValueFactory = _ => d.LearningRateHalveEvery };
        var budgetMargin = new Option<double>("--budget-margin") { Description = "train for (1 - margin) x the power budget", DefaultValueFactory = _ => d.BudgetMargin };
        var selectPower = new Option<double>("--select-power") { Description = "best epoch: highest validation sum rate with mean power within this x the budget", DefaultValueFactory = _ => d.SelectPower };
        var pairs = new Option<int>("--pairs") { Description = "transmitter-receiver pairs m", DefaultValueFactory = _ => d.Pairs };
        var delta = new Option<double>("--delta") { Description = "channel correlation delta of the scenario", DefaultValueFactory = _ => d.Delta };
        var hops = new Option<int?>("--hops") { Description = "K, the aggregation length (default 5)" };
        var awake = new Option<double>("--awake") { Description = "probability that a pair is awake in a slot (< 1: asynchronous)", DefaultValueFactory = _ => d.Awake };
        var edgeThreshold = new Option<double?>("--edge-threshold") { Description = "eta0: the smallest |h_ij| kept as an edge (default 0)" };
        var trainSlots = new Option<int>("--train-slots") { Description = "slots per training configuration", DefaultValueFactory = _ => d.TrainSlots };
        var slots = new Option<int>("--slots") { Description = "slots per validation and test configuration", DefaultValueFactory = _ => d.Slots };
        var trainConfigs = new Option<int>("--train-configs") { DefaultValueFactory = _ => d.TrainConfigurations };
        var valConfigs = new Option<int>("--val-configs") { DefaultValueFactory = _ => d.ValidationConfigurations };
        var testConfigs = new Option<int>("--test-configs") { Description = "0: no test evaluation", DefaultValueFactory = _ => d.TestConfigurations };
        var baselines = new Option<string>("--baselines") { Description = "controller policies scored on the test seed ({K} = hops; '' for none)", DefaultValueFactory = _ => d.Baselines };
        var network = new Option<int>("--network") { Description = "0: a new random network per configuration; N >= 1: train, validate and test on the one network N, only the fading differs (paper 004 Sec. VI-C)", DefaultValueFactory = _ => d.Network };
        var command = new Command(architecture, description)
        {
            halveEvery, budgetMargin, selectPower, pairs, delta, hops, awake, edgeThreshold, trainSlots, slots, trainConfigs, valConfigs, testConfigs, baselines, network,
        };
        o.AddTo(command);
        command.SetAction(parsed =>
        {
            var options = new AggTrainingOptions
            {
                Architecture = architecture,
                Network = parsed.GetValue(network),
                Name = parsed.GetValue(o.Name),
                Seed = parsed.GetValue(o.Seed),
                Epochs = parsed.GetValue(o.Epochs),
                Batch = parsed.GetValue(o.Batch),
                LearningRate = parsed.GetValue(o.LearningRate),
                LearningRateHalveEvery = parsed.GetValue(halveEvery),
                DualStep = parsed.GetValue(o.DualStep),
                BudgetMargin = parsed.GetValue(budgetMargin),
                SelectPower = parsed.GetValue(selectPower),
                BaselineDecay = parsed.GetValue(o.BaselineDecay),
                Pairs = parsed.GetValue(pairs),
                Delta = parsed.GetValue(delta),
                Hops = parsed.GetValue(hops),
                Awake = parsed.GetValue(awake),
                EdgeThreshold = parsed.GetValue(edgeThreshold),
                TrainSlots = parsed.GetValue(trainSlots),
                Slots = parsed.GetValue(slots),
                TrainSeed = Seed(parsed.GetValue(o.TrainSeed), "--train-seed"),
                ValidationSeed = Seed(parsed.GetValue(o.ValidationSeed), "--val-seed"),
                TestSeed = Seed(parsed.GetValue(o.TestSeed), "--test-seed"),
                TrainConfigurations = parsed.GetValue(trainConfigs),
                ValidationConfigurations = parsed.GetValue(valConfigs),
                TestConfigurations = parsed.GetValue(testConfigs),
                Baselines = parsed.GetValue(baselines) ?? string.Empty,
                Threads = parsed.GetValue(o.Threads),
                Command = CommandLine(parsed),
                CodeVersion = CodeVersion(),
            };
            Validate(options.Validate);
            var output = PrepareOutput(parsed.GetRequiredValue(o.Out), parsed.GetValue(o.Overwrite));
            var outcome = EpochProgressDisplay.Run(io.Error, options.ArtifactName, options.Epochs, progress => AggTrainer.Train(options, progress));
            return Finish(io, output, outcome);
        });
        return command;
    }

    private static Command BoblrbfDnnCommand(CliStreams io)
    {
        var d = new BoblrbfDnnTrainingOptions();
        var output = new Option<string>("--out") { Description = "artifact directory to write", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an artifact already in --out" };
        var name = new Option<string?>("--name") { Description = "artifact name (default boblrbf-dnn-y{layers})" };
        var seed = new Option<long>("--seed") { Description = "seed of the initial weights and of the instance order", DefaultValueFactory = _ => d.Seed };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var layers = new Option<int>("--layers") { Description = "Y, unrolled BOBLRBF iterations", DefaultValueFactory = _ => d.Layers };
        var hidden = new Option<int>("--hidden") { Description = "width of each MLP block W^y", DefaultValueFactory = _ => d.Hidden };
        var batch = new Option<int>("--batch") { Description = "instances per optimizer step (each with every preference vector)", DefaultValueFactory = _ => d.Batch };
        var preferences = new Option<int>("--preferences") { Description = "K, preference vectors per instance", DefaultValueFactory = _ => d.Preferences };
        var learningRate = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => d.LearningRate };
        var initialStep = new Option<double>("--initial-step") { Description = "eta^y of the untrained network", DefaultValueFactory = _ => d.InitialStep };
        var lowerSteps = new Option<int>("--lower-level-steps") { Description = "K_GD: lower-level steps giving phi(gamma)", DefaultValueFactory = _ => d.LowerLevelSteps };
        var trainInstances = new Option<int>("--train-instances") { DefaultValueFactory = _ => d.TrainInstances };
        var valInstances = new Option<int>("--val-instances") { DefaultValueFactory = _ => d.ValidationInstances };
        var trainSeed = new Option<long>("--train-seed") { Description = "scenario seed of the training instances", DefaultValueFactory = _ => (long)d.TrainSeed };
        var valSeed = new Option<long>("--val-seed") { Description = "scenario seed of the validation instances (the best epoch is chosen on these)", DefaultValueFactory = _ => (long)d.ValidationSeed };
        var set = new Option<string[]>("--set") { Description = "isac scenario setting key=value on top of the paper's setup (repeatable; eps is the bound trained for)", Arity = ArgumentArity.ZeroOrMore, DefaultValueFactory = _ => [] };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => d.Threads };
        var command = new Command(BoblrbfDnnHyperparameters.Name, "Paper 002: the BOBLRBF-DNN (BOBLRBF unrolled into Y layers with MLP blocks) on instances of the isac scenario.")
        {
            output, overwrite, name, seed, epochs, layers, hidden, batch, preferences, learningRate, initialStep, lowerSteps, trainInstances, valInstances, trainSeed, valSeed, set, threads,
        };
        command.SetAction(parsed =>
        {
            var options = new BoblrbfDnnTrainingOptions
            {
                Name = parsed.GetValue(name),
                Seed = parsed.GetValue(seed),
                Epochs = parsed.GetValue(epochs),
                Layers = parsed.GetValue(layers),
                Hidden = parsed.GetValue(hidden),
                Batch = parsed.GetValue(batch),
                Preferences = parsed.GetValue(preferences),
                LearningRate = parsed.GetValue(learningRate),
                InitialStep = parsed.GetValue(initialStep),
                LowerLevelSteps = parsed.GetValue(lowerSteps),
                TrainInstances = parsed.GetValue(trainInstances),
                ValidationInstances = parsed.GetValue(valInstances),
                TrainSeed = Seed(parsed.GetValue(trainSeed), "--train-seed"),
                ValidationSeed = Seed(parsed.GetValue(valSeed), "--val-seed"),
                Settings = SettingsOf(parsed.GetValue(set)),
                Threads = parsed.GetValue(threads),
                Command = CommandLine(parsed),
                CodeVersion = CodeVersion(),
            };
            Validate(options.Validate);
            try
            {
                options.ScenarioSettings();
            }
            catch (Controller.Radio.RadioInputException exception)
            {
                throw new CliUsageException($"--set: {exception.Message}");
            }

            var directory = PrepareOutput(parsed.GetRequiredValue(output), parsed.GetValue(overwrite));
            var outcome = EpochProgressDisplay.Run(io.Error, options.ArtifactName, options.Epochs, progress => BoblrbfDnnTrainer.Train(options, progress, io.Error));
            return Finish(io, directory, outcome);
        });
        return command;
    }

    /// <summary>The <c>--set</c> assignments, a malformed one as a usage error.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> SettingsOf(string[]? values)
    {
        try
        {
            return ScenarioSettings.ParseAssignments(values ?? []);
        }
        catch (Controller.Radio.RadioInputException exception)
        {
            throw new CliUsageException($"--set: {exception.Message}");
        }
    }

    private static int Finish(CliStreams io, string output, TrainingOutcome outcome)
    {
        var artifact = ArtifactWriter.Write(output, outcome);
        var manifest = artifact.Manifest;
        io.Output.WriteLine($"wrote {artifact.Directory} ({manifest.Architecture}, {manifest.Hyperparameters.ShapeSummary})");
        if (manifest.Validation is { } validation)
        {
            io.Output.WriteLine($"validation: {JsonSerializer.Serialize(validation)}");
        }

        if (manifest.Evaluation is { } evaluation)
        {
            io.Output.WriteLine($"test: {JsonSerializer.Serialize(evaluation)}");
        }

        if (manifest.Training?.Other.TryGetValue("wallSeconds", out var wall) == true)
        {
            io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {wall.GetDouble():F1} s"));
        }

        // The check 'policy import' runs: does the trained policy serve every user of its scenario?
        io.Output.WriteLine(ServedUsersCheck.Run(artifact, artifact.Directory, CancellationToken.None).Text);
        return 0;
    }

    /// <summary>The output directory, refusing to overwrite an artifact already there unless asked.</summary>
    private static string PrepareOutput(string directory, bool overwrite)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
        {
            throw new CliUsageException($"--out: '{full}' is a file, not a directory");
        }

        if (!overwrite && File.Exists(Path.Combine(full, PolicyManifest.FileName)))
        {
            throw new CliUsageException($"--out: '{full}' already holds an artifact (add --overwrite to replace it)");
        }

        var parent = Path.GetDirectoryName(full);
        if (parent is not null && !Directory.Exists(parent))
        {
            throw new CliUsageException($"--out: the folder '{parent}' does not exist");
        }

        return full;
    }

    private static void Validate(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    private static ulong Seed(long value, string option)
        => value >= 0 ? (ulong)value : throw new CliUsageException($"{option} must not be negative (got {value})");

    private static List<string> SplitList(string? text)
        => [.. (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The command as typed, for the manifest: <c>controller train ...</c> with each argument quoted when needed.</summary>
    private static string CommandLine(ParseResult parsed)
        => "controller " + string.Join(' ', parsed.Tokens.Select(t => Quote(t.Value)));

    private static string Quote(string value)
        => value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || "-_.,:/=+@%".Contains(c, StringComparison.Ordinal)) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The git commit of the code that trains (when run from a checkout), else <c>unknown</c>.</summary>
    private static string CodeVersion()
    {
        try
        {
            var start = new ProcessStartInfo("git", ["-C", AppContext.BaseDirectory, "rev-parse", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start);
            if (git is null)
            {
                return "unknown";
            }

            var commit = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5000) && git.ExitCode == 0 && commit.Length >= 7 ? commit : "unknown";
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }

    /// <summary>The options both trainers have.</summary>
    private sealed class Common(int epochs, int batch, double learningRate, double dualStep, double baselineDecay, int threads, long trainSeed, long validationSeed, long testSeed)
    {
        public Option<string> Out { get; } = new("--out") { Description = "artifact directory to write", Required = true };

        public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "replace an artifact already in --out" };

        public Option<string?> Name { get; } = new("--name") { Description = "artifact name (default from the settings)" };

        public Option<long> Seed { get; } = new("--seed") { Description = "training seed (weights, shuffling, sampling); a run is reproducible for a fixed seed and --threads", DefaultValueFactory = _ => 1 };

        public Option<int> Epochs { get; } = new("--epochs") { DefaultValueFactory = _ => epochs };

        public Option<int> Batch { get; } = new("--batch") { Description = "configurations per optimizer step", DefaultValueFactory = _ => batch };

        public Option<double> LearningRate { get; } = new("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => learningRate };

        public Option<double> DualStep { get; } = new("--dual-step") { Description = "step of the dual variables", DefaultValueFactory = _ => dualStep };

        public Option<double> BaselineDecay { get; } = new("--baseline-decay") { Description = "decay of the REINFORCE moving-average baseline", DefaultValueFactory = _ => baselineDecay };

        public Option<int> Threads { get; } = new("--threads") { Description = "torch threads", DefaultValueFactory = _ => threads };

        public Option<long> TrainSeed { get; } = new("--train-seed") { Description = "scenario seed of the training configurations", DefaultValueFactory = _ => trainSeed };

        public Option<long> ValidationSeed { get; } = new("--val-seed") { Description = "scenario seed of the validation configurations (hyperparameters are chosen on these)", DefaultValueFactory = _ => validationSeed };

        public Option<long> TestSeed { get; } = new("--test-seed") { Description = "scenario seed of the test configurations (reported, never used to choose)", DefaultValueFactory = _ => testSeed };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Out, Overwrite, Name, Seed, Epochs, Batch, LearningRate, DualStep, BaselineDecay, Threads, TrainSeed, ValidationSeed, TestSeed })
            {
                command.Options.Add(option);
            }
        }
    }
}
