using Controller.Optimization.Isac;

namespace Controller.Optimization.Tests.Isac;

/// <summary>
/// Problem (22) on f1 = ||x - a||^2 and f2 = ||x - b||^2, whose Pareto-critical set is the segment [a, b]: known answers.
/// </summary>
public sealed class CommonDescentTests
{
    private static readonly double[] A = [1, 0, 2];
    private static readonly double[] B = [-1, 2, 0];

    private static double[][] Gradients(double[] x) =>
    [
        [.. x.Zip(A, (xi, ai) => 2 * (xi - ai))],
        [.. x.Zip(B, (xi, bi) => 2 * (xi - bi))],
    ];

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    [InlineData(0.9)]
    public void Direction_OnTheParetoSegment_IsZero(double t)
    {
        double[] x = [.. A.Zip(B, (a, b) => ((1 - t) * a) + (t * b))];
        var direction = new double[3];

        var (phi, weights) = CommonDescent.Direction(Gradients(x), direction);

        Assert.All(direction, d => Assert.Equal(0, d, 9));
        Assert.Equal(0, phi, 9);
        // The weights are the multipliers of the critical point: lambda1 t (b - a) + lambda2 (1 - t) (a - b) = 0 gives lambda1 = 1 - t.
        Assert.Equal(1 - t, weights[0], 9);
    }

    [Fact]
    public void Direction_OffTheSegment_DescendsBothAndMeetsLemma1()
    {
        double[] x = [2, 3, -1];
        var gradients = Gradients(x);
        var direction = new double[3];

        var (phi, weights) = CommonDescent.Direction(gradients, direction);

        var squared = direction.Sum(d => d * d);
        Assert.True(squared > 0.1);
        Assert.True(phi <= -0.5 * squared + 1e-12, $"phi {phi} > -||d||^2 / 2 = {-0.5 * squared}");
        Assert.All(gradients, g => Assert.True(g.Zip(direction, (a, b) => a * b).Sum() < 0));
        Assert.Equal(1, weights.Sum(), 12);
        // The minimum-norm point: no other simplex combination is shorter.
        for (var w = 0.0; w <= 1.0; w += 0.01)
        {
            var other = gradients[0].Zip(gradients[1], (a, b) => (w * a) + ((1 - w) * b)).Sum(v => v * v);
            Assert.True(other >= squared - 1e-9);
        }
    }

    [Fact]
    public void Direction_ManyRowsSomeRedundant_MatchesABruteForceSearch()
    {
        double[][] gradients = [[1, 0.2], [0.3, 1], [2, 2], [0.6, 0.7], [-0.5, 1.5]];
        var direction = new double[2];

        CommonDescent.Direction(gradients, direction);

        var best = double.PositiveInfinity;
        for (var i = 0; i < gradients.Length; i++)
        {
            for (var j = 0; j < gradients.Length; j++)
            {
                for (var w = 0.0; w <= 1.0; w += 0.001)
                {
                    var x = (w * gradients[i][0]) + ((1 - w) * gradients[j][0]);
                    var y = (w * gradients[i][1]) + ((1 - w) * gradients[j][1]);
                    best = Math.Min(best, (x * x) + (y * y));
                }
            }
        }

        Assert.Equal(best, (direction[0] * direction[0]) + (direction[1] * direction[1]), 5);
    }
}
