using Controller.Learning.Isac;
using Controller.Radio.Isac;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Tests.Isac;

/// <summary>The torch objectives of the BOBLRBF-DNN compute the managed model's WSR, CRLB and lower level, batched.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class IsacTorchObjectivesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Wsr_and_crlb_equal_the_managed_ones_to_1e6_relative(int users)
    {
        using var scope = NewDisposeScope();
        var networks = IsacTestInstances.Networks(101, 3, new KeyValuePair<string, string>("users", users.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var designs = networks.Select((n, i) => IsacTestInstances.RandomDesign(n, 7 + i)).ToArray();
        var radii = networks.Select(n => IsacCommunication.ErrorRadii(n, 0.1)).ToArray();
        var random = new Random(3);
        var errors = networks.Select(n => Enumerable.Range(0, n.ErrorLength).Select(_ => (2 * random.NextDouble()) - 1).ToArray()).ToArray();
        using var objectives = new IsacTorchObjectives(networks, 0.1);
        var scale = networks.Select(n => Math.Sqrt(n.PowerBudgets.Max())).ToArray();
        var x = tensor(designs.SelectMany((d, b) => d.Select(v => v / scale[b])).ToArray(), [networks.Length, designs[0].Length], ScalarType.Float64);

        // e in scaled coordinates: each block of the random vector shrunk into its unit ball.
        var block = 2 * networks[0].Antennas;
        var scaled = errors.Select(e => e.Select((v, i) => v / Math.Sqrt(block)).ToArray()).ToArray();
        var e = tensor(scaled.SelectMany(v => v).ToArray(), [networks.Length, networks[0].ErrorLength], ScalarType.Float64);
        var wsr = objectives.Wsr(x, e).data<double>().ToArray();
        var nominal = objectives.Wsr(x, null).data<double>().ToArray();
        var crlb = objectives.Crlb(x).data<double>().ToArray();
        for (var b = 0; b < networks.Length; b++)
        {
            var delta = scaled[b].Select((v, i) => v * radii[b][i / block]).ToArray();
            AssertRelative(IsacCommunication.WeightedSumRate(networks[b], designs[b], delta), wsr[b]);
            AssertRelative(IsacCommunication.WeightedSumRate(networks[b], designs[b], default), nominal[b]);
            AssertRelative(IsacSensing.Crlb(networks[b], designs[b]), crlb[b]);
        }

        // The Fisher matrix entry by entry (relative to each diagonal's scale).
        var fisher = objectives.Fisher(x);
        var managed = IsacSensing.Fisher(networks[1], designs[1]);
        for (var p = 0; p < managed.GetLength(0); p++)
        {
            for (var q = 0; q < managed.GetLength(1); q++)
            {
                var size = Math.Sqrt(managed[p, p] * managed[q, q]);
                Assert.True(Math.Abs(managed[p, q] - fisher[1, p, q].item<double>()) <= 1e-9 * size, $"F[{p},{q}]");
            }
        }
    }

    [Fact]
    public void One_lower_level_step_equals_the_managed_worst_case_step()
    {
        using var scope = NewDisposeScope();
        var networks = IsacTestInstances.Networks(102, 2);
        var designs = networks.Select((n, i) => IsacTestInstances.RandomDesign(n, 30 + i)).ToArray();
        using var objectives = new IsacTorchObjectives(networks, 0.08);
        var x = tensor(designs.SelectMany((d, b) => d.Select(v => v / Math.Sqrt(networks[b].PowerBudgets.Max()))).ToArray(), [2, designs[0].Length], ScalarType.Float64);
        foreach (var steps in new[] { 1, 3 })
        {
            var e = objectives.LowerLevel(x, steps)!;
            for (var b = 0; b < networks.Length; b++)
            {
                var radii = IsacCommunication.ErrorRadii(networks[b], 0.08);
                var managed = new double[networks[b].ErrorLength];
                var wsr = IsacCommunication.WorstCaseErrors(networks[b], designs[b], radii, steps, keepLowest: false, managed);
                var block = 2 * networks[b].Antennas;
                var mine = e[b].data<double>().ToArray().Select((v, i) => v * radii[i / block]).ToArray();
                for (var i = 0; i < managed.Length; i++)
                {
                    Assert.True(Math.Abs(managed[i] - mine[i]) <= 1e-9 * radii[i / block], $"steps {steps}, entry {i}");
                }

                AssertRelative(wsr, objectives.Wsr(x, e)[b].item<double>());
            }
        }
    }

    [Fact]
    public void Crlb_gradient_through_autograd_equals_the_managed_gradient()
    {
        using var scope = NewDisposeScope();
        var networks = IsacTestInstances.Networks(103, 1);
        var design = IsacTestInstances.RandomDesign(networks[0], 5);
        using var objectives = new IsacTorchObjectives(networks, 0);
        var scale = Math.Sqrt(networks[0].PowerBudgets.Max());
        var x = tensor(design.Select(v => v / scale).ToArray(), [1, design.Length], ScalarType.Float64).requires_grad_(true);
        var crlb = objectives.Crlb(x).sum();
        var gradient = autograd.grad([crlb], [x])[0].data<double>().ToArray();
        var managed = new double[design.Length];
        IsacSensing.CrlbGradient(networks[0], design, managed);
        var largest = managed.Max(Math.Abs);
        for (var i = 0; i < managed.Length; i++)
        {
            // d/dx = sqrt(P_max) d/dgamma.
            Assert.True(Math.Abs((managed[i] * scale) - gradient[i]) <= 1e-7 * largest * scale, $"entry {i}");
        }
    }

    private static void AssertRelative(double expected, double actual)
        => Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Abs(expected), $"expected {expected}, got {actual}");
}
