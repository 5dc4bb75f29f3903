using System.Diagnostics;
using System.Globalization;
using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Scenarios;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>
/// One optimizer step of <see cref="ResilientTrainer"/> against src/training/train_resilient.py (PyTorch): from the same
/// initial weights, the same batch (default setting: 4 APs, 40 users, one batch of 32 training configurations of seed 11,
/// 100 scored slots), lambda, baseline and uniform draws, the rollout, its per-slot backward and Adam's step agree within
/// 1e-4 relative on every updated weight whose gradient is not 0 in exact arithmetic, and the updated networks' powers and
/// selection probabilities agree within 1e-4 relative (selection.bias, whose exact gradient is 0, only carries rounding
/// noise that Adam amplifies; it changes no output). Runs only where Debian's /usr/bin/python3 has torch (the Python side is
/// tests/Controller.Learning.Tests/parity/resilient_step.py); elsewhere it passes without checking and says so.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ResilientParityTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private const double Tolerance = 1e-4;

    [Fact]
    public void One_Step_Matches_PyTorch()
    {
        var root = RepositoryRoot();
        if (root is null || !PythonHasTorch())
        {
            output.WriteLine("skipped: needs the repository's src/training and /usr/bin/python3 with torch");
            return;
        }

        var directory = Path.Combine(Path.GetTempPath(), "controller-resilient-parity-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var options = new ResilientTrainerOptions();
            var threads = get_num_threads();
            set_num_threads(1);
            try
            {
                RunStep(options, directory, out var csharp);
                RunScript(root, "resilient_step.py", directory);
                Compare(csharp, SafeTensorsFile.Read(Path.Combine(directory, "python.safetensors")));
            }
            finally
            {
                set_num_threads(threads);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The in-process data against data.py's <c>prepare_resilient</c> of a <c>controller scenario export</c> file (opt-in:
    /// <c>CONTROLLER_RESILIENT_EXPORT=/path/export.json</c>; exports take tens of seconds): every tensor of the first 16
    /// configurations is bit-identical.
    /// </summary>
    [Fact]
    public void Data_Equals_Prepare_Resilient_Of_An_Export()
    {
        var export = Environment.GetEnvironmentVariable("CONTROLLER_RESILIENT_EXPORT");
        var root = RepositoryRoot();
        if (string.IsNullOrEmpty(export) || root is null || !PythonHasTorch())
        {
            output.WriteLine("skipped: set CONTROLLER_RESILIENT_EXPORT to a resilient-rrm export (needs /usr/bin/python3 with torch)");
            return;
        }

        var file = Path.Combine(Path.GetTempPath(), "controller-resilient-data-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            RunScript(root, "resilient_data.py", export, file, "16");
            var python = SafeTensorsFile.Read(file);
            var overrides = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(python.Metadata["settings"])!;
            var scenario = ScenarioCatalog.Get(ResilientData.ScenarioName);
            var seed = ulong.Parse(python.Metadata["seed"], CultureInfo.InvariantCulture);
            var configurations = int.Parse(python.Metadata["configurations"], CultureInfo.InvariantCulture);
            var slots = int.Parse(python.Metadata["slots"], CultureInfo.InvariantCulture);
            using var set = ResilientData.Build(scenario.Resolve(overrides), seed, configurations, slots);
            foreach (var (name, mine) in new[] { ("snr_gains", set.SnrGains), ("cells", set.Cells), ("active", set.Active), ("fhat", set.Fhat), ("fbar0", set.Fbar0), ("edge_weights", set.EdgeWeights), ("fmin", set.Fmin) })
            {
                var values = Values(mine);
                var theirs = python.ByName[name].Values.ToArray();
                Assert.Equal(theirs.Length, values.Length);
                var differing = values.Where((v, i) => v != theirs[i]).Count();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-14} {values.Length,9} values, {differing} differ"));
                Assert.Equal(0, differing);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void RunStep(ResilientTrainerOptions options, string directory, out Dictionary<string, float[]> csharp)
    {
        const int Batch = 32;
        var scenario = ScenarioCatalog.Get(ResilientData.ScenarioName);
        var settings = scenario.Resolve(ResilientData.SettingOverrides(options.Aps, options.Users, options.Fmin));
        using var set = ResilientData.Build(settings, options.TrainSeed, Batch, options.Slots);
        using var scope = NewDisposeScope();
        manual_seed(options.Seed);
        using var model = ResilientTrainer.CreateModel(options.PowerInit);
        var init = TorchArtifacts.Tensors(model);
        using var generator = new Generator((ulong)options.Seed, CPU);

        // Some duals already grown and half the baselines set, so that every branch of the step runs.
        var n = set.Description.Users;
        var mu = rand([Batch, n], generator: generator) * 0.5f;
        var baseline = rand([Batch], generator: generator) * 10f;
        var unset = arange(Batch) % 2 == 0;
        baseline = where(unset, full_like(baseline, float.NaN), baseline);
        var baselineIn = where(unset, zeros_like(baseline), baseline);
        var batch = set.Slice(0, Batch);
        var draws = new List<Tensor>();
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        using var result = ResilientTrainer.Step(model, optimizer, batch, set.Description.MaxPower, mu, baseline, generator, options, (_, u) => draws.Add(u.clone().DetachFromDisposeScope()));

        var metadata = new Dictionary<string, string>
        {
            ["pmax"] = set.Description.MaxPower.ToString("R", CultureInfo.InvariantCulture),
            ["decay"] = options.BaselineDecay.ToString("R", CultureInfo.InvariantCulture),
            ["pf_floor"] = options.PfFloor.ToString("R", CultureInfo.InvariantCulture),
            ["fairness"] = options.Fairness.ToString("R", CultureInfo.InvariantCulture),
            ["lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["utility"] = options.Utility == ResilientUtility.Pf ? "pf" : "sum",
            ["follow"] = options.Follow == ResilientFollow.Sampled ? "sampled" : "greedy",
        };
        SafeTensorsFile.Write(Path.Combine(directory, "init.safetensors"), init);
        SafeTensorsFile.Write(
            Path.Combine(directory, "inputs.safetensors"),
            [
                Safe("snr_gains", batch.SnrGains),
                Safe("cells", batch.Cells),
                Safe("active", batch.Active.to(ScalarType.Float32)),
                Safe("fhat", batch.Fhat),
                Safe("fbar0", batch.Fbar0),
                Safe("edge_weights", batch.EdgeWeights),
                Safe("weights", mu),
                Safe("baseline", baselineIn),
                Safe("baseline_unset", unset.to(ScalarType.Float32)),
                Safe("draws", stack(draws)),
            ],
            metadata);

        csharp = [];
        foreach (var tensor in TorchArtifacts.Tensors(model))
        {
            csharp[tensor.Name] = tensor.Values.ToArray();
        }

        foreach (var (name, parameter) in model.named_parameters())
        {
            csharp[name + ".grad"] = Values(parameter.grad!);
        }

        using (no_grad())
        {
            var active = batch.Active.select(1, 0);
            var features = (batch.Fhat.select(1, 0) / batch.Fbar0.clamp_min(1e-9)).log1p() * active;
            var (power, logPi) = model.Forward(features, batch.EdgeWeights.select(1, 0), batch.Cells, active, tensor((float)set.Description.MaxPower));
            csharp["after.power"] = Values(power);
            csharp["after.pi"] = Values(logPi.exp());
        }

        csharp["rates"] = Values(result.Rates);
        csharp["power"] = Values(result.Power);
        csharp["baseline_after"] = Values(baseline);
        csharp["advantage"] = [(float)result.Advantage];
        foreach (var tensor in init)
        {
            csharp["init." + tensor.Name] = tensor.Values.ToArray();
        }
    }

    private void Compare(Dictionary<string, float[]> csharp, SafeTensorsFile python)
    {
        output.WriteLine($"PyTorch {python.Metadata["torch"]}, TorchSharp {typeof(torch).Assembly.GetName().Version}; relative = |C# - Python| / |Python| per element");
        var largestGradient = python.Tensors.Where(t => t.Name.EndsWith(".grad", StringComparison.Ordinal)).Max(t => MaxAbs(t.Values.ToArray()));
        var worstWeight = (Relative: 0.0, Name: string.Empty);
        var worstOutput = 0.0;
        foreach (var tensor in python.Tensors)
        {
            var mine = csharp[tensor.Name];
            var theirs = tensor.Values.ToArray();
            Assert.Equal(theirs.Length, mine.Length);
            var (maxAbs, maxRel) = (0.0, 0.0);
            for (var i = 0; i < theirs.Length; i++)
            {
                var difference = Math.Abs((double)mine[i] - theirs[i]);
                maxAbs = Math.Max(maxAbs, difference);
                maxRel = theirs[i] != 0 ? Math.Max(maxRel, difference / Math.Abs(theirs[i])) : difference == 0 ? maxRel : double.PositiveInfinity;
            }

            var note = string.Empty;
            if (csharp.TryGetValue("init." + tensor.Name, out var init))
            {
                var gradient = python.ByName[tensor.Name + ".grad"].Values.ToArray();
                var step = theirs.Select((v, i) => Math.Abs((double)v - init[i])).Max();
                note = string.Create(CultureInfo.InvariantCulture, $", largest step {step:E2}");
                if (MaxAbs(gradient) <= 1e-6 * largestGradient && MaxAbs(csharp[tensor.Name + ".grad"]) <= 1e-6 * largestGradient)
                {
                    // A gradient that is 0 in exact arithmetic (selection.bias: the per-cell softmax cancels a shared bias)
                    // is float32 rounding noise on both sides, which Adam scales to a step of up to lr; the parameter does
                    // not change any output, which the updated networks' outputs below show.
                    note += "; gradient 0 in exact arithmetic (rounding noise on both sides), no effect on any output";
                }
                else if (maxRel > worstWeight.Relative)
                {
                    worstWeight = (maxRel, tensor.Name);
                }
            }
            else if (tensor.Name.StartsWith("after.", StringComparison.Ordinal))
            {
                worstOutput = Math.Max(worstOutput, maxRel);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{tensor.Name,-24} max |diff| {maxAbs:E2}  max relative {maxRel:E2}  (max |value| {MaxAbs(theirs):E2}{note})"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"updated weights: max relative difference {worstWeight.Relative:E2} ({worstWeight.Name}); updated network's outputs: {worstOutput:E2}; tolerance {Tolerance:E0}"));
        Assert.True(worstWeight.Relative <= Tolerance, $"updated weights differ by {worstWeight.Relative:E2} relative ({worstWeight.Name})");
        Assert.True(worstOutput <= Tolerance, $"the updated networks' outputs differ by {worstOutput:E2} relative");
    }

    private static double MaxAbs(float[] values) => values.Max(v => Math.Abs((double)v));

    /// <summary>Runs tests/Controller.Learning.Tests/parity/<paramref name="script"/> with src on PYTHONPATH.</summary>
    private static void RunScript(string root, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python)
        {
            WorkingDirectory = root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(Path.Combine(root, "tests", "Controller.Learning.Tests", "parity", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONPATH"] = Path.Combine(root, "src");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{script} failed ({process.ExitCode}): {stdout}{stderr.Result}");
    }

    private static bool PythonHasTorch()
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        var start = new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>The repository's root: the first parent of the test assembly with src/training/train_resilient.py.</summary>
    internal static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "src", "training", "train_resilient.py")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static SafeTensor Safe(string name, Tensor value) => new(name, [.. value.shape.Select(d => (int)d)], Values(value));

    private static float[] Values(Tensor value)
    {
        using var contiguous = value.detach().to(ScalarType.Float32).contiguous();
        return contiguous.data<float>().ToArray();
    }
}
