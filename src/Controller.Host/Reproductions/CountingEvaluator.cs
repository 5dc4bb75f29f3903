using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Evaluates policies for a reproduction on one scenario, seed and sample size with the host's policies (baselines
/// and bundled or imported artifacts), reporting one unit of progress per evaluation.
/// </summary>
internal sealed class CountingEvaluator(Scenario scenario, ulong seed, int configurations, int slots, IProgress<int>? progress, CancellationToken cancellationToken)
{
    private int _done;

    /// <summary>The metrics of <paramref name="policy"/> on <paramref name="settings"/>.</summary>
    public RateMetrics Evaluate(ScenarioSettings settings, string policy) => Run(settings, policy).Metrics;

    /// <summary>The whole evaluation of <paramref name="policy"/> (per-configuration outcomes included), counted as one unit of work.</summary>
    public EvaluationResult Run(ScenarioSettings settings, string policy, int? configurationCount = null)
    {
        var result = Evaluator.Run(new EvaluationRequest(scenario, settings, policy, seed, configurationCount ?? configurations, slots, Cli.HostPolicies.Provider), null, cancellationToken);
        progress?.Report(++_done);
        return result;
    }
}
