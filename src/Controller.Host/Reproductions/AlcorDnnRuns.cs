using System.Globalization;
using Controller.Host.Cli;
using Controller.Optimization.Alcor;
using Controller.Optimization.Gp;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>How long the paper 001 neural-allocator reproductions run (the defaults, or a reduced setting in tests).</summary>
/// <param name="Configurations">Configurations (independent channel sequences) per policy.</param>
/// <param name="Slots">Slots per configuration.</param>
/// <param name="BurnInSlots">Unscored first slots of ALCOR runs (its duals settle).</param>
internal sealed record AlcorDnnBudget(int Configurations, int Slots, int BurnInSlots)
{
    /// <summary>As <see cref="AlcorTable4Reproduction"/>: 20 configurations x 6000 slots, the first 1000 unscored.</summary>
    public static AlcorDnnBudget Default { get; } = new(20, 6_000, 1_000);

    /// <summary>The setup's text.</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Configurations} configurations x {Slots} slots, the first {BurnInSlots} of ALCOR runs unscored");
}

/// <summary>What the paper 001 neural-allocator reproductions run: gaussian-ic evaluations through the executable's policies, GP on feasible slots, and ALCOR traces.</summary>
internal static class AlcorDnnRuns
{
    /// <summary>The committed artifacts the reproductions use.</summary>
    public static string Centralized(int users) => $"alcor-dnn-centralized-n{users}";

    /// <summary>The distributed network trained with <paramref name="users"/> users (it runs with any number; trained with the N it serves, as it transfers poorly from N = 20 to 5).</summary>
    public static string Distributed(int users) => $"alcor-dnn-distributed-n{users}";

    /// <summary>The fixed DNN of <paramref name="users"/> users.</summary>
    public static string Fixed(int users) => $"alcor-dnn-fixed-n{users}";

    /// <summary>The dynamic DNN (N = 5).</summary>
    public const string Dynamic = "alcor-dnn-dynamic-n5";

    /// <summary>Demands as the scenario setting writes them.</summary>
    public static string Text(IReadOnlyList<double> demands) => string.Join(',', demands.Select(d => d.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>N demands, zero except the users (1-based, inclusive ranges) given.</summary>
    public static double[] Demands(int users, params (int From, int To, double Value)[] ranges)
    {
        var demands = new double[users];
        foreach (var (from, to, value) in ranges)
        {
            for (var i = from; i <= to; i++)
            {
                demands[i - 1] = value;
            }
        }

        return demands;
    }

    /// <summary>Pooled metrics of <paramref name="policy"/> on gaussian-ic with <paramref name="users"/> links at 15 dB.</summary>
    public static RateMetrics Evaluate(string policy, int users, IReadOnlyList<double> demands, double activity, AlcorDnnBudget budget, bool alcor, ulong seed, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve(Settings(users, demands, activity));
        var request = new EvaluationRequest(scenario, settings, policy, seed, budget.Configurations, budget.Slots, HostPolicies.Provider) { BurnInSlots = alcor ? budget.BurnInSlots : 0 };
        return Evaluator.Run(request, cancellationToken: cancellationToken).Metrics;
    }

    /// <summary>
    /// GP (<see cref="GeometricProgramming"/>) slot by slot on the same channels: the mean sum rate over the slots whose
    /// demands can be met (the paper compares GP only there), the fraction of such slots, and the largest shortfall of a
    /// demand in a feasible slot (bps/Hz; 0 when GP meets every demand).
    /// </summary>
    public static (double SumRate, double FeasibleFraction, double WorstShortfall) Gp(int users, IReadOnlyList<double> demands, AlcorDnnBudget budget, ulong seed, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve(Settings(users, demands, 1));
        var slots = Math.Max(1, budget.Slots / 10);
        var on = Enumerable.Repeat(true, users).ToArray();
        var power = new double[users];
        var rates = new double[users];
        double sum = 0, worst = 0;
        long feasible = 0, total = 0;
        for (var c = 0; c < budget.Configurations; c++)
        {
            var configuration = scenario.CreateConfiguration(settings, seed, c);
            for (var s = 0; s < slots; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                configuration.Advance();
                var gains = configuration.Gains.Values;
                var constants = configuration.Constants;
                var check = GeometricProgramming.Check(gains, users, on, configuration.Demands, constants.Noise, constants.MaxPower);
                total++;
                if (!GeometricProgramming.Solve(gains, users, on, configuration.Demands, constants.Noise, constants.MaxPower, check, power))
                {
                    continue;
                }

                feasible++;
                GeometricProgramming.Meets(gains, users, on, configuration.Demands, constants.Noise, power, out var rate);
                sum += rate;
                Sinr.ComputeLinkRates(gains, users, power, constants.Noise, rates);
                for (var i = 0; i < users; i++)
                {
                    worst = Math.Max(worst, demands[i] - rates[i]);
                }
            }
        }

        return (feasible > 0 ? sum / feasible : double.NaN, (double)feasible / total, Math.Max(0, worst));
    }

    /// <summary>
    /// One configuration of ALCOR around <paramref name="inner"/> slot by slot: each user's rate per slot and lambda after
    /// each slot (the series of paper 001's Figs. 1 and 3).
    /// </summary>
    public static (double[][] Rates, double[][] Lambdas) Trace(string inner, int users, IReadOnlyList<double> demands, int slots, ulong seed, CancellationToken cancellationToken)
        => Trace(inner, "gaussian-ic", Settings(users, demands, 1), users, slots, seed, cancellationToken);

    /// <summary>As <see cref="Trace(string, int, IReadOnlyList{double}, int, ulong, CancellationToken)"/> on any scenario with one link per user (its settings carry the demands).</summary>
    public static (double[][] Rates, double[][] Lambdas) Trace(string inner, string scenarioName, IReadOnlyList<KeyValuePair<string, string>> scenarioSettings, int users, int slots, ulong seed, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get(scenarioName);
        var settings = scenario.Resolve(scenarioSettings);
        var configuration = scenario.CreateConfiguration(settings, seed, 0);
        var policy = (AlcorPolicy)HostPolicies.Provider.Create($"alcor({inner})", seed, 0);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
        var decision = new SlotDecision(configuration.Transmitters);
        var rates = new double[slots][];
        var lambdas = new double[slots][];
        for (var s = 0; s < slots; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            configuration.Advance();
            policy.Decide(configuration, fairness, decision);
            rates[s] = new double[users];
            Sinr.ComputeRates(configuration.Gains, decision.ServedReceiver, decision.Power, configuration.Constants.Noise, rates[s]);
            fairness.Update(rates[s]);
            policy.Learn(configuration, rates[s]);
            lambdas[s] = [.. policy.Users.ToArray().Select(u => u.Lambda)];
        }

        return (rates, lambdas);
    }

    /// <summary>Moving averages of <paramref name="series"/>[slot][user] over the last <paramref name="window"/> slots, sampled every <paramref name="every"/> slots, into Extra fields <c>{prefix}{user:00}Slot{slot:00000}</c>.</summary>
    public static void AddSeries(Dictionary<string, double> extra, string prefix, double[][] series, IReadOnlyList<int> users, int window, int every)
    {
        for (var s = every - 1; s < series.Length; s += every)
        {
            foreach (var i in users)
            {
                var from = Math.Max(0, s - window + 1);
                var sum = 0.0;
                for (var t = from; t <= s; t++)
                {
                    sum += series[t][i];
                }

                extra[string.Create(CultureInfo.InvariantCulture, $"{prefix}{i + 1:00}Slot{s + 1:00000}")] = sum / (s - from + 1);
            }
        }
    }

    private static KeyValuePair<string, string>[] Settings(int users, IReadOnlyList<double> demands, double activity) =>
    [
        new("links", users.ToString(CultureInfo.InvariantCulture)),
        new("snrDb", "15"),
        new("activity", activity.ToString("R", CultureInfo.InvariantCulture)),
        new("demands", Text(demands)),
    ];
}
