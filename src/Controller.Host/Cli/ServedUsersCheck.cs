using System.Globalization;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Radio;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Host.Cli;

/// <summary>
/// The check <c>policy import</c> runs on a learned policy before it enters the registry: on fresh validation
/// configurations of the scenario the artifact was trained on, does every user get some rate? A sum-rate-trained
/// network can learn to keep an output at zero whatever the channel (our N = 50 centralized ALCOR network left 15 of
/// 50 users unserved); ALCOR around such a policy only chooses who transmits, so it can never meet those users'
/// demands. The check warns and names the users; it does not refuse the import, since such a policy may still be
/// wanted for what it does well.
/// </summary>
/// <remarks>
/// A user counts as unserved when its time-averaged rate is below <see cref="RateFloor"/> in every configuration: one
/// bad geometry does not trip it, a dead output does. The seed is fixed and differs from the training and test seeds
/// the reproductions use, so the check is repeatable and never looks at test data.
/// </remarks>
internal static class ServedUsersCheck
{
    /// <summary>Rate (bps/Hz) below which a user counts as unserved in a configuration.</summary>
    public const double RateFloor = 0.01;

    /// <summary>Fresh configurations evaluated.</summary>
    public const int Configurations = 8;

    /// <summary>Scored slots per configuration, after the scenario's warm-up.</summary>
    public const int ScoredSlots = 200;

    /// <summary>Seed of the validation configurations.</summary>
    public const ulong Seed = 0x5e7_7ed;

    /// <summary>The outcome: a line to print after the verb's name ("check: ...", "warning: ..." or "check skipped: ..."), whether it is a warning, and the unserved users.</summary>
    public sealed record Outcome(string Text, bool Warning, IReadOnlyList<int> Unserved);

    /// <summary>Evaluates the artifact in <paramref name="directory"/> (already loaded as <paramref name="artifact"/>).</summary>
    public static Outcome Run(PolicyArtifact artifact, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Training?.Scenario is not { } scenarioName)
        {
            return new Outcome("check skipped: the manifest names no training scenario to validate on", false, []);
        }

        Scenario scenario;
        ScenarioSettings settings;
        try
        {
            scenario = ScenarioCatalog.Get(scenarioName);
            settings = scenario.Resolve([.. artifact.Manifest.Training.Settings]);
        }
        catch (RadioInputException exception)
        {
            return new Outcome($"check skipped: training scenario '{scenarioName}': {exception.Message}", false, []);
        }

        // The policy is created from a private copy under a name the provider accepts, whatever the folder is called.
        var root = Directory.CreateTempSubdirectory("controller-check-");
        try
        {
            var copy = Directory.CreateDirectory(Path.Combine(root.FullName, "candidate")).FullName;
            foreach (var file in new[] { PolicyManifest.FileName, PolicyArtifact.WeightsFileName })
            {
                File.Copy(Path.Combine(directory, file), Path.Combine(copy, file));
            }

            var spec = LearnedPolicies.PrefixOf(artifact.Manifest.Hyperparameters) + "candidate";
            var warmup = scenario.CreateConfiguration(settings, Seed, 0).WarmupSlots;
            var request = new EvaluationRequest(scenario, settings, spec, Seed, Configurations, warmup + ScoredSlots, new LearnedPolicies(root.FullName));
            var result = Evaluator.Run(request, null, cancellationToken);
            var users = result.Configurations.Min(c => c.AverageRates.Length);
            var unserved = Enumerable.Range(0, users).Where(u => result.Configurations.All(c => c.AverageRates[u] < RateFloor)).ToList();
            var where = $"{Configurations} validation configurations of {scenario.Name} ({Describe(artifact.Manifest.Training.Settings)}), {ScoredSlots} slots each";
            if (unserved.Count == 0)
            {
                return new Outcome($"check: every one of the {users} users gets at least {Text(RateFloor)} bps/Hz on {where}", false, unserved);
            }

            var listed = string.Join(", ", unserved.Take(20).Select(u => u.ToString(CultureInfo.InvariantCulture))) + (unserved.Count > 20 ? ", ..." : "");
            return new Outcome(
                $"warning: {unserved.Count} of {users} users get under {Text(RateFloor)} bps/Hz in every one of {where} (users {listed}); "
                + "the policy never serves them, so no demand of theirs can be met (ALCOR around it only chooses who transmits)",
                true,
                unserved);
        }
        catch (RadioInputException exception)
        {
            return new Outcome($"check skipped: {exception.Message}", false, []);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string Describe(IReadOnlyDictionary<string, string> settings) =>
        settings.Count == 0 ? "defaults" : string.Join(", ", settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));

    private static string Text(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
