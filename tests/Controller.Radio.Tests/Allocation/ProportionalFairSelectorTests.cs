using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Allocation;

public class ProportionalFairSelectorTests
{
    [Fact]
    public void Select_NoHistory_PicksLargestFullPowerRatePerAp()
    {
        // AP 0 serves users 0, 2; AP 1 serves users 1, 3. Noise 1, Pmax 1.
        var configuration = new FixedConfiguration(2, [0, 1, 0, 1]);
        configuration.SetRows(
        [
            [3, 1],  // log2(1 + 3/2) = 1.32
            [1, 1],  // log2(1 + 1/2) = 0.58
            [7, 1],  // log2(1 + 7/2) = 2.17
            [1, 15], // log2(1 + 15/2) = 3.09
        ]);
        var selector = new ProportionalFairSelector(4, 2);
        var served = new int[2];

        selector.Select(configuration, served);

        Assert.Equal([2, 3], served);
    }

    [Fact]
    public void Select_AfterHistory_PicksLargestRateOverAverage()
    {
        var configuration = new FixedConfiguration(1, [0, 0, 0]);
        configuration.SetRows([[3], [1], [7]]);
        var selector = new ProportionalFairSelector(3, 1);
        // fbar = 0.05 x achieved rate after one update from zero.
        selector.Update([2.0, 0.5, 10.0]);
        var served = new int[1];

        selector.Select(configuration, served);

        // fhat = log2(1 + g): 2, 1, 3; fbar = 0.1, 0.025, 0.5; ratios 20, 40, 6.
        Assert.Equal(1, served[0]);
        Assert.Equal(2 / 0.1, selector.Ratio[0], 1e-9);
        Assert.Equal(1 / 0.025, selector.Ratio[1], 1e-9);
        Assert.Equal(3 / 0.5, selector.Ratio[2], 1e-9);
    }

    [Fact]
    public void Select_BestUserInactive_PicksBestActiveUserAndIdlesEmptyAp()
    {
        var configuration = new FixedConfiguration(2, [0, 0, 1]);
        configuration.SetRows([[3, 0], [7, 0], [0, 7]]);
        configuration.Active[1] = false;
        configuration.Active[2] = false;
        var selector = new ProportionalFairSelector(3, 2);
        var served = new int[2];

        selector.Select(configuration, served);

        Assert.Equal([0, -1], served);
        Assert.Equal(0.0, selector.Ratio[1]);
    }

    [Fact]
    public void SelectRoundRobin_SeveralSlots_CyclesThroughActiveAssociatedUsers()
    {
        var configuration = new FixedConfiguration(3, [0, 1, 0, 0, 1]);
        configuration.Active[2] = false;
        var selector = new ProportionalFairSelector(5, 3);
        var served = new int[3];
        var history = new List<int[]>();

        for (var slot = 0; slot < 4; slot++)
        {
            selector.SelectRoundRobin(configuration, served);
            history.Add(served.ToArray());
        }

        // AP 0: users 0, 3 (2 is inactive); AP 1: users 1, 4; AP 2 has no users.
        Assert.Equal([0, 1, -1], history[0]);
        Assert.Equal([3, 4, -1], history[1]);
        Assert.Equal([0, 1, -1], history[2]);
        Assert.Equal([3, 4, -1], history[3]);
    }

    [Fact]
    public void Update_TwoSlots_IsExponentialAverageWithBetaFivePercent()
    {
        var selector = new ProportionalFairSelector(2, 1);

        selector.Update([2.0, 0.0]);
        selector.Update([2.0, 4.0]);

        Assert.Equal((0.95 * 0.05 * 2.0) + (0.05 * 2.0), selector.AverageRate[0], 1e-12);
        Assert.Equal(0.05 * 4.0, selector.AverageRate[1], 1e-12);
    }

    /// <summary>A configuration whose gains the test writes directly; noise 1, Pmax 1.</summary>
    private sealed class FixedConfiguration(int transmitters, int[] servingTransmitter)
        : NetworkConfiguration(0, transmitters, servingTransmitter, oneToOne: false, new RadioConstants(1, 1, transmitters, string.Empty), new double[servingTransmitter.Length])
    {
        public void SetRows(double[][] rows)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                rows[r].CopyTo(Gains.Row(r));
            }
        }

        protected override void AdvanceCore(int slot)
        {
        }
    }
}
