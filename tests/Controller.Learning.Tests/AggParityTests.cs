using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Scenarios;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>
/// Parity of <see cref="AggTrainer"/> with the Python trainer (training.train_agg, PyTorch): the C# side writes the initial
/// weights, scale, baseline, mu, the training data and, per step, the batch and its Bernoulli draws; parity/agg_step.py
/// runs the same steps with train_agg's code and those draws; every updated weight must agree within 1e-4 (relative).
/// Skipped (passes with a note) where /usr/bin/python3 has no torch. <c>AGG_PARITY_FULL=1</c> runs it at the trainer's
/// defaults (256 training configurations of 25 pairs, batch 64, one warm-up epoch, then one epoch of 4 steps compared) and,
/// with the Release controller built, also compares the data with <c>controller scenario export</c> + prepare_agg
/// (<c>AGG_PARITY_PAIRS</c>, <c>_HOPS</c>, <c>_AWAKE</c>, <c>_CONFIGS</c> change that setup); <c>AGG_PARITY_KEEP=DIR</c> keeps the files there.
/// </summary>
public sealed class AggParityTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void Steps_From_The_Same_Weights_Batch_And_Draws_Agree_With_PyTorch()
    {
        if (!PythonHasTorch())
        {
            output.WriteLine($"{Python} with torch not found: parity not checked here.");
            return;
        }

        var full = Environment.GetEnvironmentVariable("AGG_PARITY_FULL") == "1";
        var options = full
            ? new AggTrainingOptions
            {
                Pairs = Setting("AGG_PARITY_PAIRS", 25),
                Hops = Setting("AGG_PARITY_HOPS", 5),
                Awake = Setting("AGG_PARITY_AWAKE", 1.0),
                TrainConfigurations = Setting("AGG_PARITY_CONFIGS", 256),
            }
            : new AggTrainingOptions { Pairs = 10, TrainConfigurations = 20, TrainSlots = 20, Batch = 8, Awake = 0.7 };
        var keep = Environment.GetEnvironmentVariable("AGG_PARITY_KEEP");
        var directory = string.IsNullOrEmpty(keep) ? Path.Combine(Path.GetTempPath(), "controller-agg-parity-" + Guid.NewGuid().ToString("N")) : keep;
        Directory.CreateDirectory(directory);
        try
        {
            var controller = Path.Combine(RepositoryRoot(), "src", "Controller.Host", "bin", "Release", "net10.0", "controller.dll");
            var report = Run(directory, options, warmupSteps: full ? 4 : 2, steps: full ? 4 : 3, full && File.Exists(controller) ? controller : null);
            output.WriteLine(report.Text);
            File.WriteAllText(Path.Combine(directory, "report.txt"), report.Text);
            Assert.True(report.MaxWeightRelative < 1e-4, report.Text);
            Assert.True(report.MaxDeltaRelative < 1e-3, report.Text);
            Assert.True(report.MaxGradientRelative < 1e-3, report.Text);
        }
        finally
        {
            if (string.IsNullOrEmpty(keep))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static T Setting<T>(string variable, T fallback)
        where T : IParsable<T>
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Writes the inputs, runs the C# steps and the Python script, and compares.</summary>
    private static ParityReport Run(string directory, AggTrainingOptions options, int warmupSteps, int steps, string? controller)
    {
        set_num_threads(1);
        var settings = ScenarioCatalog.Get(AggData.ScenarioName).Resolve(options.ScenarioSettings());
        using var data = AggData.Create(settings, options.TrainSeed, options.TrainConfigurations, options.TrainSlots);
        var configurations = data.Configurations;

        // A baseline and mu as in a training under way: another trainer's first steps, in another order (another seed; some
        // configurations stay unvisited when the warm-up is shorter than an epoch, which exercises the first-visit rule).
        using var warm = new AggTrainer(options with { Seed = options.Seed + 1 }, data);
        using (var warmOrder = randperm(configurations, generator: warm.Generator))
        {
            for (var k = 0; k < warmupSteps; k++)
            {
                using var index = warmOrder.narrow(0, (k * options.Batch) % configurations, Math.Min(options.Batch, configurations - ((k * options.Batch) % configurations)));
                warm.Step(index);
            }
        }

        using var trainer = new AggTrainer(options, data);
        using (no_grad())
        {
            trainer.Baseline.copy_(warm.Baseline);
        }

        trainer.Mu = warm.Mu;
        var initial = TorchArtifacts.Tensors(trainer.Model);
        var init = new List<SafeTensor>(initial)
        {
            new("scale", [trainer.Scale.Count], [.. trainer.Scale.Select(s => (float)s)]),
            Float("baseline", nan_to_num(trainer.Baseline, 0)),
            Float("baseline_visited", trainer.Baseline.isnan().logical_not()),
            new("mu", [1], [(float)trainer.Mu]),
        };
        var batch = new List<SafeTensor>
        {
            Float("sequences", data.Sequences),
            Float("snr_gains", data.SnrGains),
            Float("active", data.Active),
            Float("deciding", data.Deciding),
        };
        var mine = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using (var order = randperm(configurations, generator: trainer.Generator))
        {
            for (var k = 0; k < steps; k++)
            {
                var start = (k * options.Batch) % configurations;
                using var index = order.narrow(0, start, Math.Min(options.Batch, configurations - start));
                using var draws = trainer.Draws(index);
                batch.Add(Float($"index.{k}", index));
                batch.Add(Float($"draws.{k}", draws));
                var step = trainer.Step(index, draws);
                foreach (var (name, parameter) in trainer.Model.named_parameters())
                {
                    mine[$"{name}.step{k}"] = Values(parameter);
                    mine[$"grad.{name}.step{k}"] = Values(parameter.grad!);
                }

                mine[$"loss.step{k}"] = [(float)step.Loss];
                mine[$"mu.step{k}"] = [(float)trainer.Mu];
            }
        }

        mine["baseline"] = Values(nan_to_num(trainer.Baseline, 0));
        mine["baseline_visited"] = Values(trainer.Baseline.isnan().logical_not());
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = PolicyManifest.CurrentFormat,
            ["hops"] = data.Hops.ToString(CultureInfo.InvariantCulture),
            ["p0"] = data.P0.ToString("R", CultureInfo.InvariantCulture),
            ["lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["dual_step"] = options.DualStep.ToString("R", CultureInfo.InvariantCulture),
            ["baseline_decay"] = options.BaselineDecay.ToString("R", CultureInfo.InvariantCulture),
            ["target_on"] = trainer.TargetOn.ToString("R", CultureInfo.InvariantCulture),
            ["steps"] = steps.ToString(CultureInfo.InvariantCulture),
            ["settings"] = JsonSerializer.Serialize(options.ScenarioSettings().ToDictionary(kv => kv.Key, kv => kv.Value)),
            ["seed"] = options.TrainSeed.ToString(CultureInfo.InvariantCulture),
            ["configurations"] = configurations.ToString(CultureInfo.InvariantCulture),
            ["slots"] = data.Slots.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensorsFile.Write(Path.Combine(directory, "init.safetensors"), init, metadata);
        SafeTensorsFile.Write(Path.Combine(directory, "batch.safetensors"), batch, metadata);

        var pythonLine = RunPython(directory, controller);
        var theirs = SafeTensorsFile.Read(Path.Combine(directory, "python.safetensors")).ByName;
        return Compare(initial, mine, theirs, steps, pythonLine, options, configurations, data);
    }

    private static ParityReport Compare(IReadOnlyList<SafeTensor> initial, Dictionary<string, float[]> mine, IReadOnlyDictionary<string, SafeTensor> theirs, int steps, string pythonLine, AggTrainingOptions options, int configurations, AggData data)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"Agg-GNN parity: m = {data.Pairs}, K = {data.Hops}, {configurations} training configurations x {data.Slots} slots (seed {options.TrainSeed}), batch {options.Batch}, {steps} steps, awake {options.Awake}");
        double maxWeight = 0, maxDelta = 0, maxGradient = 0;
        var previous = initial.ToDictionary(t => t.Name, t => t.Values.ToArray(), StringComparer.Ordinal);
        for (var k = 0; k < steps; k++)
        {
            double weight = 0, delta = 0, gradient = 0;
            foreach (var name in previous.Keys.ToList())
            {
                var a = mine[$"{name}.step{k}"];
                var b = theirs[$"{name}.step{k}"].Values.ToArray();
                weight = Math.Max(weight, ElementwiseRelative(a, b));

                // The change of the step (about lr per weight for Adam's first steps), relative to its largest entry.
                var before = previous[name];
                delta = Math.Max(delta, MaxRelative(a.Select((v, i) => (double)v - before[i]).ToArray(), b.Select((v, i) => (double)v - before[i]).ToArray()));
                gradient = Math.Max(gradient, MaxRelative(mine[$"grad.{name}.step{k}"].Select(v => (double)v).ToArray(), theirs[$"grad.{name}.step{k}"].Values.ToArray().Select(v => (double)v).ToArray()));
                previous[name] = b;
            }

            var loss = ElementwiseRelative(mine[$"loss.step{k}"], theirs[$"loss.step{k}"].Values.ToArray());
            text.AppendLine(culture, $"step {k + 1}: weights max rel diff {weight:E2}, weight change max rel diff {delta:E2}, gradient max rel diff {gradient:E2}, loss rel diff {loss:E2} (loss {theirs[$"loss.step{k}"].Values[0]:G6}), mu {mine[$"mu.step{k}"][0]:G7} vs {theirs[$"mu.step{k}"].Values[0]:G7}");
            maxWeight = Math.Max(maxWeight, weight);
            maxDelta = Math.Max(maxDelta, delta);
            maxGradient = Math.Max(maxGradient, gradient);
        }

        var visitedEqual = mine["baseline_visited"].SequenceEqual(theirs["baseline_visited"].Values.ToArray());
        var baseline = ElementwiseRelative(mine["baseline"], theirs["baseline"].Values.ToArray());
        text.AppendLine(culture, $"all steps: weights max rel diff {maxWeight:E2}, weight change {maxDelta:E2}, gradients {maxGradient:E2}");
        text.AppendLine(culture, $"baseline after the steps: visited flags equal {visitedEqual}, max rel diff {baseline:E2}");
        text.AppendLine(culture, $"python: {pythonLine}");
        return new ParityReport(text.ToString(), visitedEqual ? maxWeight : double.PositiveInfinity, maxDelta, maxGradient);
    }

    /// <summary>max_i |a_i - b_i| / |b_i| (0 where both are 0).</summary>
    private static double ElementwiseRelative(float[] a, float[] b)
    {
        var worst = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var difference = Math.Abs((double)a[i] - b[i]);
            if (difference > 0)
            {
                worst = Math.Max(worst, difference / Math.Max(Math.Abs((double)b[i]), 1e-30));
            }
        }

        return worst;
    }

    /// <summary>max_i |a_i - b_i| / max_i |b_i|: differences against the tensor's scale (entries near 0 have no relative precision).</summary>
    private static double MaxRelative(double[] a, double[] b)
    {
        var scale = b.Max(Math.Abs);
        var worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        return worst == 0 ? 0 : worst / Math.Max(scale, 1e-30);
    }

    private static SafeTensor Float(string name, Tensor tensor)
    {
        using var values = tensor.detach().to(ScalarType.Float32).contiguous();
        return new SafeTensor(name, [.. tensor.shape.Select(d => (int)d)], values.data<float>().ToArray());
    }

    private static float[] Values(Tensor tensor)
    {
        using var values = tensor.detach().to(ScalarType.Float32).contiguous();
        return values.data<float>().ToArray();
    }

    private static string RunPython(string directory, string? controller)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, "tests", "Controller.Learning.Tests", "parity", "agg_step.py"));
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(directory);
        if (controller is not null)
        {
            start.ArgumentList.Add("--controller");
            start.ArgumentList.Add(controller);
        }

        start.Environment["PYTHONPATH"] = Path.Combine(root, "src");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"agg_step.py failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout.Trim();
    }

    private static bool PythonHasTorch()
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true, UseShellExecute = false })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Controller.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Controller.sln not found above the test's directory.");
    }

    private sealed record ParityReport(string Text, double MaxWeightRelative, double MaxDeltaRelative, double MaxGradientRelative);
}
