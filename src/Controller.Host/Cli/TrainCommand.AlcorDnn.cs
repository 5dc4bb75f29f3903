using System.CommandLine;
using System.Globalization;
using Controller.Learning.Alcor;
using Controller.Policies.ArtifactFormat;

namespace Controller.Host.Cli;

/// <summary><c>controller train alcor-dnn --kind centralized|distributed|fixed|dynamic --out DIR [options]</c> (paper 001's allocators).</summary>
internal static partial class TrainCommand
{
    private static Command AlcorDnnCommand(CliStreams io)
    {
        var d = new AlcorDnnOptions();
        var kind = new Option<string>("--kind") { Description = "centralized (full channel, eq. (3)), distributed (one network per user on 41 local measurements), fixed (reward (10) for --demands) or dynamic (channel and demands in, reward (10))", Required = true };
        var output = new Option<string>("--out") { Description = "artifact directory to write", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace an artifact already in --out" };
        var name = new Option<string?>("--name") { Description = "artifact name (default alcor-dnn-<kind>-n<users>)" };
        var seed = new Option<long>("--seed") { Description = "training seed (weights, activity and demand draws)", DefaultValueFactory = _ => d.Seed };
        var users = new Option<int>("--users") { Description = "N, the users (links) of the gaussian-ic scenario", DefaultValueFactory = _ => d.Users };
        var hidden = new Option<string?>("--hidden") { Description = "hidden widths, comma-separated (default: the paper's, 400,200 centralized and fixed, 100,50 distributed, 200,100 dynamic)" };
        var snr = new Option<double>("--snr-db") { Description = "Pmax / N0 in dB", DefaultValueFactory = _ => d.SnrDb };
        var diverse = new Option<bool>("--diverse") { Description = "diverse training (Table I): kappa from {0.2, 0.5, 1} per sample" };
        var demands = new Option<string?>("--demands") { Description = "fixed kind: u^fix in bps/Hz, one value or one per user, comma-separated" };
        var demandMax = new Option<double>("--demand-max") { Description = "dynamic kind: demands drawn uniformly in [0, this]", DefaultValueFactory = _ => d.DemandMax };
        var demandGroups = new Option<int>("--demand-groups") { Description = "dynamic kind: demand vectors per batch", DefaultValueFactory = _ => d.DemandGroups };
        var penalty = new Option<double>("--penalty") { Description = "L of reward (10)", DefaultValueFactory = _ => d.Penalty };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var steps = new Option<int>("--steps") { Description = "optimizer steps per epoch", DefaultValueFactory = _ => d.StepsPerEpoch };
        var batch = new Option<int>("--batch") { Description = "channel samples per step", DefaultValueFactory = _ => d.Batch };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => d.LearningRate };
        var evalSamples = new Option<int>("--eval-samples") { Description = "validation and test slots (over 50 networks)", DefaultValueFactory = _ => d.EvaluationSamples };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => d.Threads };
        var trainSeed = new Option<long>("--train-seed") { Description = "scenario seed of the training samples", DefaultValueFactory = _ => (long)d.TrainSeed };
        var valSeed = new Option<long>("--val-seed") { Description = "scenario seed of the validation samples (the best epoch is chosen on these)", DefaultValueFactory = _ => (long)d.ValidationSeed };
        var testSeed = new Option<long>("--test-seed") { Description = "scenario seed of the test samples (reported only)", DefaultValueFactory = _ => (long)d.TestSeed };
        var probe = new Option<string>("--probe") { Description = "distributed kind, diagnostic only: none, direct (only G_ii^t), direct+interference (G_ii^t and the current interference), current-outgoing (oracle: interfered neighbours from the current channel) or static-channel (oracle: past channels = current)", DefaultValueFactory = _ => "none" };
        var initFrom = new Option<string?>("--init-from") { Description = "warm start: an alcor-dnn artifact directory of the same kind, N and widths to continue training from (its steps are continued, Adam starts afresh)" };
        var command = new Command("alcor-dnn", "Paper 001: unsupervised training of ALCOR's neural allocators (centralized, distributed) and the fixed and dynamic DNN benchmarks on gaussian-ic.")
        {
            kind, output, overwrite, name, seed, users, hidden, snr, diverse, demands, demandMax, demandGroups, penalty, epochs, steps, batch, lr, evalSamples, threads, trainSeed, valSeed, testSeed, probe, initFrom,
        };
        command.SetAction(parsed =>
        {
            var options = new AlcorDnnOptions
            {
                Kind = AlcorDnnHyperparameters.ParseKind(parsed.GetValue(kind)) ?? throw new CliUsageException($"--kind must be centralized, distributed, fixed or dynamic (got '{parsed.GetValue(kind)}')"),
                Name = parsed.GetValue(name),
                Seed = parsed.GetValue(seed),
                Users = parsed.GetValue(users),
                Hidden = parsed.GetValue(hidden) is { } text ? [.. Numbers(text, "--hidden").Select(v => v == Math.Floor(v) && v is >= 1 and <= 4096 ? (int)v : throw new CliUsageException($"--hidden must list whole widths in [1, 4096] (got {v.ToString(CultureInfo.InvariantCulture)})"))] : null,
                SnrDb = parsed.GetValue(snr),
                Diverse = parsed.GetValue(diverse),
                Demands = parsed.GetValue(demands) is { } list ? Numbers(list, "--demands") : [],
                DemandMax = parsed.GetValue(demandMax),
                DemandGroups = parsed.GetValue(demandGroups),
                Penalty = parsed.GetValue(penalty),
                Epochs = parsed.GetValue(epochs),
                StepsPerEpoch = parsed.GetValue(steps),
                Batch = parsed.GetValue(batch),
                LearningRate = parsed.GetValue(lr),
                EvaluationSamples = parsed.GetValue(evalSamples),
                Threads = parsed.GetValue(threads),
                Probe = AlcorDnnFeatureProbes.Parse(parsed.GetValue(probe)) ?? throw new CliUsageException($"--probe must be none, direct, direct+interference, current-outgoing or static-channel (got '{parsed.GetValue(probe)}')"),
                TrainSeed = Seed(parsed.GetValue(trainSeed), "--train-seed"),
                ValidationSeed = Seed(parsed.GetValue(valSeed), "--val-seed"),
                TestSeed = Seed(parsed.GetValue(testSeed), "--test-seed"),
                InitialArtifact = parsed.GetValue(initFrom) is { } from ? LoadInitial(from) : null,
                Command = CommandLine(parsed),
                CodeVersion = CodeVersion(),
            };
            Validate(options.Validate);
            var directory = PrepareOutput(parsed.GetRequiredValue(output), parsed.GetValue(overwrite));
            var outcome = EpochProgressDisplay.Run(io.Error, options.ArtifactName, options.Epochs, progress => AlcorDnnTrainer.Train(options, progress));
            return Finish(io, directory, outcome);
        });
        return command;
    }

    private static PolicyArtifact LoadInitial(string directory)
    {
        try
        {
            return PolicyArtifact.Load(directory);
        }
        catch (PolicyArtifactException e)
        {
            throw new CliUsageException($"--init-from: {e.Message}");
        }
    }

    private static double[] Numbers(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                throw new CliUsageException($"{option} must be comma-separated numbers (got '{parts[i]}')");
            }
        }

        return values;
    }
}
