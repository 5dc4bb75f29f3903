using System.Diagnostics;
using Controller.Radio.Allocation;
using Controller.Radio.Isac;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Evaluation;

/// <summary>What to evaluate and on how many fresh instances.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Settings">Its resolved settings.</param>
/// <param name="Policy">Policy name as accepted by <paramref name="Policies"/>.</param>
/// <param name="Seed">Run seed: fixes every configuration and every random decision.</param>
/// <param name="Configurations">Number of configurations (independent networks).</param>
/// <param name="Slots">Slots per configuration, warm-up included.</param>
/// <param name="Policies">Where policy names are resolved (default: the baselines).</param>
public sealed record EvaluationRequest(Scenario Scenario, ScenarioSettings Settings, string Policy, ulong Seed, int Configurations, int Slots, IPolicyProvider? Policies = null)
{
    /// <summary>The provider that resolves <see cref="Policy"/>.</summary>
    public IPolicyProvider Provider => Policies ?? PolicyCatalog.Baselines;

    /// <summary>
    /// Slots after the scenario's warm-up in which the policy decides and learns but is not scored
    /// (default 0). Policies that learn online (ALCOR's duals) are judged on their settled behaviour.
    /// </summary>
    public int BurnInSlots { get; init; }
}

/// <summary>
/// Runs a policy over fresh configurations slot by slot: warm-up slots at full power with round-robin
/// selection, then the policy (its first <see cref="EvaluationRequest.BurnInSlots"/> slots unscored);
/// per-receiver rates are time-averaged over the scored slots. Configurations
/// run in parallel, each with its own policy instance and random streams, so results do not depend on
/// scheduling.
/// </summary>
public static class Evaluator
{
    /// <summary>Largest configurations x slots x receivers a single evaluation accepts.</summary>
    public const long MaxWork = 20_000_000_000;

    /// <summary>Runs <paramref name="request"/>; <paramref name="progress"/> receives the number of finished configurations.</summary>
    public static EvaluationResult Run(EvaluationRequest request, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        request.Provider.Validate(request.Policy);
        var outcomes = new ConfigurationOutcome[request.Configurations];
        var finished = 0;
        try
        {
            Parallel.For(
                0,
                request.Configurations,
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                index =>
                {
                    outcomes[index] = RunConfiguration(request, index, cancellationToken);
                    progress?.Report(Interlocked.Increment(ref finished));
                });
        }
        catch (AggregateException exception) when (exception.InnerExceptions.All(e => e is RadioInputException))
        {
            // A policy that refuses the scenario (a one-to-one policy on cells, a network smaller than the configuration,
            // an ISAC policy on a gain matrix)
            // does so in every configuration: its reason, once, is the caller's input error.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerExceptions[0]).Throw();
            throw;
        }

        return EvaluationResult.From(request, outcomes);
    }

    private static void Check(EvaluationRequest request)
    {
        if (request.Configurations < 1)
        {
            throw new RadioInputException($"The number of configurations must be at least 1 (got {request.Configurations}).");
        }

        if (request.Slots < 1)
        {
            throw new RadioInputException($"The number of slots must be at least 1 (got {request.Slots}).");
        }

        if (request.BurnInSlots < 0)
        {
            throw new RadioInputException($"The number of burn-in slots must not be negative (got {request.BurnInSlots}).");
        }

        var probe = request.Scenario.CreateConfiguration(request.Settings, request.Seed, 0);
        if (request.Slots <= probe.WarmupSlots)
        {
            throw new RadioInputException(
                $"{request.Slots} slots leave nothing to score after the {probe.WarmupSlots} warm-up slots of '{request.Scenario.Name}'; use more slots or set warmup lower.");
        }

        if (request.Slots <= (long)probe.WarmupSlots + request.BurnInSlots)
        {
            throw new RadioInputException(
                $"{request.Slots} slots leave nothing to score after {probe.WarmupSlots} warm-up and {request.BurnInSlots} burn-in slots; use more slots or fewer burn-in slots.");
        }

        if ((long)request.Configurations * request.Slots * Math.Max(probe.Receivers, probe.Transmitters) > MaxWork)
        {
            throw new RadioInputException($"The evaluation is too large (configurations x slots x receivers above {MaxWork}); lower --configs or --slots.");
        }
    }

    private static ConfigurationOutcome RunConfiguration(EvaluationRequest request, int index, CancellationToken cancellationToken)
    {
        var configuration = request.Scenario.CreateConfiguration(request.Settings, request.Seed, index);
        var policy = request.Provider.Create(request.Policy, request.Seed, index);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
        var decision = new SlotDecision(configuration.Transmitters);
        var rates = new double[configuration.Receivers];
        var rateSums = new double[configuration.Receivers];
        var powerSum = 0.0;
        var scored = 0;
        var firstScored = configuration.WarmupSlots + request.BurnInSlots;
        var isac = configuration as IsacScenario.IsacConfiguration;
        var isacSums = new IsacSums();
        var decideTicks = 0L;
        var decisions = 0;
        for (var slot = 0; slot < request.Slots; slot++)
        {
            if ((slot & 63) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            configuration.Advance();
            if (slot < configuration.WarmupSlots)
            {
                fairness.SelectRoundRobin(configuration, decision.ServedReceiver);
                for (var t = 0; t < decision.Power.Length; t++)
                {
                    decision.Power[t] = decision.ServedReceiver[t] >= 0 ? configuration.Constants.MaxPower : 0;
                }
            }
            else
            {
                decision.Beams = null;
                var started = Stopwatch.GetTimestamp();
                policy.Decide(configuration, fairness, decision);
                decideTicks += Stopwatch.GetTimestamp() - started;
                decisions++;
            }

            if (isac is not null)
            {
                // ISAC slots are scored on the full model, as the simulator's RAN does: the design (or the matched beams a
                // power-only decision implies) under the true channel, and the CRLB at the targets' current positions.
                var report = IsacSlot.Evaluate(isac.Network, IsacSlot.DesignOf(isac.Network, decision), isac.ChannelErrors);
                report.Rates.CopyTo(rates, 0);
                if (slot >= firstScored)
                {
                    isacSums.Add(report);
                }
            }
            else
            {
                Sinr.ComputeRates(configuration.Gains, decision.ServedReceiver, decision.Power, configuration.Constants.Noise, rates);
            }
            fairness.Update(rates);
            if (slot >= configuration.WarmupSlots)
            {
                policy.Learn(configuration, rates);
            }

            if (slot >= firstScored)
            {
                scored++;
                for (var r = 0; r < rates.Length; r++)
                {
                    rateSums[r] += rates[r];
                }

                foreach (var p in decision.Power)
                {
                    powerSum += p;
                }
            }
        }

        for (var r = 0; r < rateSums.Length; r++)
        {
            rateSums[r] /= scored;
        }

        return new ConfigurationOutcome(rateSums, configuration.Demands.ToArray(), powerSum / scored, configuration.Constants)
        {
            Isac = isac is null ? null : isacSums.Mean(),
            DecideMilliseconds = decisions == 0 ? 0 : Stopwatch.GetElapsedTime(0, decideTicks).TotalMilliseconds / decisions,
        };
    }

    /// <summary>Running sums of the ISAC metrics over the scored slots.</summary>
    private sealed class IsacSums
    {
        private double _nominal;
        private double _achieved;
        private double _crlb;
        private int _slots;

        public void Add(IsacSlotReport report)
        {
            _nominal += report.NominalWsr;
            _achieved += report.TrueWsr;
            _crlb += report.Crlb;
            _slots++;
        }

        public IsacOutcome Mean() => new(_nominal / _slots, _achieved / _slots, _crlb / _slots);
    }
}

/// <summary>ISAC metrics of one configuration, averaged over its scored slots.</summary>
/// <param name="NominalWsr">WSR at the channel estimates, bps/Hz.</param>
/// <param name="TrueWsr">WSR under the true channel (estimate plus the bounded error), bps/Hz.</param>
/// <param name="Crlb">CRLB of the target positions at their current positions, m^2 (+infinity when a design leaves a parameter unobservable).</param>
public sealed record IsacOutcome(double NominalWsr, double TrueWsr, double Crlb);

/// <summary>Time-averaged outcome of one configuration.</summary>
/// <param name="AverageRates">Per-receiver rate averaged over the scored slots (bps/Hz).</param>
/// <param name="Demands">Per-receiver demand (0 = none).</param>
/// <param name="MeanTotalPower">Total transmit power per scored slot, averaged.</param>
/// <param name="Constants">Noise and power constants of the configuration.</param>
public sealed record ConfigurationOutcome(double[] AverageRates, double[] Demands, double MeanTotalPower, RadioConstants Constants)
{
    /// <summary>The ISAC metrics, on the <c>isac</c> scenario; null elsewhere.</summary>
    public IsacOutcome? Isac { get; init; }

    /// <summary>Wall time of one policy decision, averaged over the configuration's decisions (ms; measured, so not reproducible).</summary>
    public double DecideMilliseconds { get; init; }
}
