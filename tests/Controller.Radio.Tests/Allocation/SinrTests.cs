using Controller.Radio.Allocation;
using Controller.Radio.Channels;

namespace Controller.Radio.Tests.Allocation;

public class SinrTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void ComputeLinkRates_TwoLinks_MatchHandComputedRates()
    {
        // Row i holds the gains from every link's transmitter to link i's receiver.
        double[] gains =
        [
            2.0, 0.5,
            0.25, 3.5,
        ];
        double[] power = [1.0, 0.8];
        var rates = new double[2];

        Sinr.ComputeLinkRates(gains, 2, power, 0.1, rates);

        // SINR_0 = 2 * 1 / (0.1 + 0.5 * 0.8) = 4; SINR_1 = 3.5 * 0.8 / (0.1 + 0.25 * 1) = 8.
        Assert.Equal(Math.Log2(1 + 4.0), rates[0], Tolerance);
        Assert.Equal(Math.Log2(1 + 8.0), rates[1], Tolerance);
    }

    [Fact]
    public void ComputeLinkRates_ThreeLinks_MatchHandComputedRates()
    {
        double[] gains =
        [
            1.0, 0.2, 0.1,
            0.3, 2.0, 0.4,
            0.05, 0.6, 3.0,
        ];
        double[] power = [1.0, 0.5, 2.0];
        var rates = new double[3];

        Sinr.ComputeLinkRates(gains, 3, power, 0.2, rates);

        Assert.Equal(Math.Log2(1 + (1.0 * 1.0 / (0.2 + (0.2 * 0.5) + (0.1 * 2.0)))), rates[0], Tolerance);
        Assert.Equal(Math.Log2(1 + (2.0 * 0.5 / (0.2 + (0.3 * 1.0) + (0.4 * 2.0)))), rates[1], Tolerance);
        Assert.Equal(Math.Log2(1 + (3.0 * 2.0 / (0.2 + (0.05 * 1.0) + (0.6 * 0.5)))), rates[2], Tolerance);
    }

    [Fact]
    public void At_ThreeLinkRow_EqualsSignalOverNoisePlusInterference()
    {
        double[] row = [0.3, 2.0, 0.4];
        double[] power = [1.0, 0.5, 2.0];

        var sinr = Sinr.At(row, 1, power, 0.2);

        Assert.Equal(2.0 * 0.5 / 1.3, sinr, Tolerance);
    }

    [Fact]
    public void ComputeRates_UserSelection_UnservedReceiversGetZeroAndIdleApAddsNothing()
    {
        var gains = Matrix(
        [
            [0.4, 3.0, 0.7],
            [1.0, 1.0, 1.0],
            [2.0, 0.3, 0.9],
            [0.5, 0.5, 5.0],
        ]);
        int[] served = [2, 0, -1];
        double[] power = [1.0, 0.5, 0.0];
        double[] rates = [9, 9, 9, 9];

        Sinr.ComputeRates(gains, served, power, 0.1, rates);

        // Receiver 2 (AP 0): 2 * 1 / (0.1 + 0.3 * 0.5) = 8. Receiver 0 (AP 1): 3 * 0.5 / (0.1 + 0.4 * 1) = 3.
        Assert.Equal(Math.Log2(1 + 8.0), rates[2], Tolerance);
        Assert.Equal(2.0, rates[0], Tolerance);
        Assert.Equal(0.0, rates[1]);
        Assert.Equal(0.0, rates[3]);
    }

    [Fact]
    public void ComputeRates_InterferingApServesAnotherUser_InterferenceUnchanged()
    {
        var gains = Matrix(
        [
            [0.4, 3.0, 0.7],
            [1.0, 1.0, 1.0],
            [2.0, 0.3, 0.9],
            [0.5, 0.5, 5.0],
        ]);
        double[] power = [1.0, 0.5, 0.25];
        var first = new double[4];
        var second = new double[4];

        // AP 0 serves receiver 2, then receiver 3: receiver 0 (AP 1) sees AP 0 and AP 2 at their powers either way.
        Sinr.ComputeRates(gains, [2, 0, 1], power, 0.1, first);
        Sinr.ComputeRates(gains, [3, 0, 1], power, 0.1, second);

        var expectedReceiver0 = Math.Log2(1 + (3.0 * 0.5 / (0.1 + (0.4 * 1.0) + (0.7 * 0.25))));
        Assert.Equal(expectedReceiver0, first[0], Tolerance);
        Assert.Equal(expectedReceiver0, second[0], Tolerance);
        Assert.Equal(Math.Log2(1 + (1.0 * 0.25 / (0.1 + (1.0 * 1.0) + (1.0 * 0.5)))), first[1], Tolerance);
        Assert.Equal(Math.Log2(1 + (0.5 * 1.0 / (0.1 + (0.5 * 0.5) + (5.0 * 0.25)))), second[3], Tolerance);
        Assert.Equal(0.0, second[2]);
    }

    private static GainMatrix Matrix(double[][] rows)
    {
        var matrix = new GainMatrix(rows.Length, rows[0].Length);
        for (var r = 0; r < rows.Length; r++)
        {
            for (var t = 0; t < rows[r].Length; t++)
            {
                matrix[r, t] = rows[r][t];
            }
        }

        return matrix;
    }
}
