using Controller.Radio.Scenarios;

namespace Controller.Radio.Evaluation;

/// <summary>
/// Metrics pooled over users and configurations (paper conventions): rates in bps/Hz, powers in the
/// scenario's unit. Fields that do not apply (no demands in the scenario) are null.
/// </summary>
/// <param name="SumRate">Sum over receivers of their time-averaged rate, averaged over configurations.</param>
/// <param name="MeanRate">Mean of the per-receiver time-averaged rates, pooled.</param>
/// <param name="P5Rate">5th percentile of the pooled per-receiver rates (linear interpolation).</param>
/// <param name="SatisfiedFraction">Fraction of receivers with a demand whose average rate meets it.</param>
/// <param name="ViolationPct">Paper 001's viol, averaged over configurations.</param>
/// <param name="MeanPower">Total transmit power per slot, averaged.</param>
/// <param name="PowerBudget">The scenario's total power budget.</param>
public sealed record RateMetrics(
    double SumRate,
    double MeanRate,
    double P5Rate,
    double? SatisfiedFraction,
    double? ViolationPct,
    double MeanPower,
    double PowerBudget);

/// <summary>The outcome of an evaluation run.</summary>
/// <param name="Request">What was run.</param>
/// <param name="Metrics">Pooled metrics.</param>
/// <param name="Configurations">Per-configuration outcomes, in index order.</param>
public sealed record EvaluationResult(EvaluationRequest Request, RateMetrics Metrics, IReadOnlyList<ConfigurationOutcome> Configurations)
{
    /// <summary>The ISAC metrics averaged over configurations (the <c>isac</c> scenario), else null.</summary>
    public IsacOutcome? Isac => Configurations.Count > 0 && Configurations.All(c => c.Isac is not null)
        ? new IsacOutcome(Configurations.Average(c => c.Isac!.NominalWsr), Configurations.Average(c => c.Isac!.TrueWsr), Configurations.Average(c => c.Isac!.Crlb))
        : null;

    /// <summary>Wall time of one policy decision, averaged over configurations (ms).</summary>
    public double DecideMilliseconds => Configurations.Count == 0 ? 0 : Configurations.Average(c => c.DecideMilliseconds);

    /// <summary>Pools per-configuration outcomes into <see cref="RateMetrics"/>.</summary>
    public static EvaluationResult From(EvaluationRequest request, IReadOnlyList<ConfigurationOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var pooled = outcomes.SelectMany(o => o.AverageRates).ToArray();
        var sumRate = outcomes.Average(o => o.AverageRates.Sum());
        int withDemand = 0, satisfied = 0;
        var violations = new List<double>();
        foreach (var outcome in outcomes)
        {
            for (var r = 0; r < outcome.Demands.Length; r++)
            {
                if (outcome.Demands[r] > 0)
                {
                    withDemand++;
                    // A relative tolerance keeps a rate that meets its demand up to rounding from counting as unmet.
                    if (outcome.AverageRates[r] >= outcome.Demands[r] * (1 - 1e-12))
                    {
                        satisfied++;
                    }
                }
            }

            if (RateStatistics.ViolationPercent(outcome.Demands, outcome.AverageRates) is { } viol)
            {
                violations.Add(viol);
            }
        }

        var metrics = new RateMetrics(
            sumRate,
            pooled.Average(),
            RateStatistics.Percentile(pooled, 5),
            withDemand > 0 ? (double)satisfied / withDemand : null,
            violations.Count > 0 ? violations.Average() : null,
            outcomes.Average(o => o.MeanTotalPower),
            outcomes[0].Constants.PowerBudget);
        return new EvaluationResult(request, metrics, outcomes);
    }
}
