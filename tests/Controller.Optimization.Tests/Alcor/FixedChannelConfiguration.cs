using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests.Alcor;

/// <summary>
/// Two links with the same gains in every slot: direct and cross gains 1, noise 0.1, Pmax 1. At full power
/// a link alone gets log2(11) = 3.46 bps/Hz and both together get log2(1 + 1/1.1) = 0.93 each, so any
/// pair of demands on the segment between (3.46, 0) and (0, 3.46) through (0.93, 0.93) is met by time sharing.
/// Its demands can be changed between slots.
/// </summary>
internal sealed class FixedChannelConfiguration : NetworkConfiguration
{
    public static readonly double AloneRate = Math.Log2(11);

    public static readonly double SharedRate = Math.Log2(1 + (1 / 1.1));

    private readonly double[] _demands;

    public FixedChannelConfiguration(params double[] demands)
        : base(0, 2, [0, 1], oneToOne: true, new RadioConstants(0.1, 1, 2, string.Empty), demands)
    {
        _demands = demands;
    }

    // The base class reads demands from the array it was given, so changing it changes the configuration's demands.
    public void SetDemands(params double[] values) => values.CopyTo(_demands, 0);

    protected override void AdvanceCore(int slot) => Gains.Values.Fill(1);
}

/// <summary>Runs a policy slot by slot the way the evaluator does and keeps per-slot rates.</summary>
internal sealed class SlotDriver(NetworkConfiguration configuration, IAllocationPolicy policy)
{
    private readonly ProportionalFairSelector _fairness = new(configuration.Receivers, configuration.Transmitters);
    private readonly SlotDecision _decision = new(configuration.Transmitters);
    private readonly double[] _rates = new double[configuration.Receivers];

    public SlotDecision LastDecision => _decision;

    /// <summary>Runs <paramref name="slots"/> slots; returns each receiver's rate averaged over them.</summary>
    public double[] Run(int slots)
    {
        var sums = new double[_rates.Length];
        for (var slot = 0; slot < slots; slot++)
        {
            configuration.Advance();
            policy.Decide(configuration, _fairness, _decision);
            Sinr.ComputeRates(configuration.Gains, _decision.ServedReceiver, _decision.Power, configuration.Constants.Noise, _rates);
            _fairness.Update(_rates);
            policy.Learn(configuration, _rates);
            for (var r = 0; r < sums.Length; r++)
            {
                sums[r] += _rates[r];
            }
        }

        return sums.Select(s => s / slots).ToArray();
    }
}
