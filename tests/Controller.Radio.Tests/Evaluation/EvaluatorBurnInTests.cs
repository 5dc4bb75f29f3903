using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Evaluation;

public sealed class EvaluatorBurnInTests
{
    [Fact]
    public void Run_BurnIn_ScoresOnlyTheSlotsAfterIt()
    {
        // Full reuse keeps no state, so the last slot's rates are 10 x the 10-slot mean minus 9 x the 9-slot mean.
        var ten = Run(slots: 10, burnIn: 0);
        var nine = Run(slots: 9, burnIn: 0);
        var lastOnly = Run(slots: 10, burnIn: 9);

        var expected = ten.Configurations[0].AverageRates.Zip(nine.Configurations[0].AverageRates, (a, b) => (10 * a) - (9 * b)).ToArray();
        for (var r = 0; r < expected.Length; r++)
        {
            Assert.Equal(expected[r], lastOnly.Configurations[0].AverageRates[r], 9);
        }
    }

    [Fact]
    public void Run_BurnInLeavesNothingToScore_ThrowsRadioInputException()
    {
        var error = Assert.Throws<RadioInputException>(() => Run(slots: 10, burnIn: 10));

        Assert.Contains("burn-in", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NegativeBurnIn_ThrowsRadioInputException()
        => Assert.Throws<RadioInputException>(() => Run(slots: 10, burnIn: -1));

    private static EvaluationResult Run(int slots, int burnIn)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve([new("links", "4")]);
        return Evaluator.Run(new EvaluationRequest(scenario, settings, "full-reuse", 3, 1, slots) { BurnInSlots = burnIn });
    }
}
