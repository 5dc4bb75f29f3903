using Controller.Optimization.Isac;

namespace Controller.Optimization.Tests.Isac;

/// <summary>The adaptive budget's rule on injected costs (no clocks): a cost model of a + b I per loop.</summary>
public sealed class IsacIterationBudgetTests
{
    [Fact]
    public void Observe_OverBudget_GoesDownToWhatFits()
    {
        var budget = new IsacIterationBudget(initial: 20, cap: 30);

        // 20 iterations cost 80 ms against a budget of 50: 4 ms each, so 12 fit.
        Assert.Equal(12, budget.Observe(costMs: 80, budgetMs: 50));
        Assert.Equal(1, budget.Decreases);
        Assert.Equal(0, budget.Increases);
    }

    [Fact]
    public void Observe_UnderBudget_GoesUpByAtMostAQuarter()
    {
        var budget = new IsacIterationBudget(initial: 8, cap: 30);

        // 8 iterations cost 8 ms against 50: 50 would fit, but one loop moves up by at most max(1, 8 / 4) = 2.
        Assert.Equal(10, budget.Observe(costMs: 8, budgetMs: 50));
        Assert.Equal(12, budget.Observe(costMs: 10, budgetMs: 50));
        Assert.Equal(2, budget.Increases);
        Assert.Equal(0, budget.Decreases);
    }

    [Fact]
    public void Observe_AtBudget_Holds()
    {
        var budget = new IsacIterationBudget(initial: 10, cap: 30);

        Assert.Equal(10, budget.Observe(costMs: 50, budgetMs: 50));
        Assert.Equal(0, budget.Increases + budget.Decreases);
    }

    [Fact]
    public void Observe_StaysWithinOneAndTheCap()
    {
        var low = new IsacIterationBudget(initial: 3, cap: 5);
        // Even one iteration is over budget: stays at the minimum.
        Assert.Equal(IsacIterationBudget.Minimum, low.Observe(costMs: 900, budgetMs: 50));
        Assert.Equal(IsacIterationBudget.Minimum, low.Observe(costMs: 300, budgetMs: 50));

        var high = new IsacIterationBudget(initial: 4, cap: 5);
        // Free loops (0 ms, too fast to time) rise to the cap and stay there.
        for (var loop = 0; loop < 10; loop++)
        {
            Assert.InRange(high.Observe(costMs: 0, budgetMs: 50), IsacIterationBudget.Minimum, 5);
        }

        Assert.Equal(5, high.Iterations);
    }

    [Fact]
    public void Observe_ACostModel_SettlesWhereTheCostMeetsTheBudget()
    {
        // cost = 6 + 2 I ms against 50 ms: the cost meets the budget at I = 22. The fixed part makes the per-iteration
        // cost look higher at small I, so the rule approaches from below and may stop one short.
        var budget = new IsacIterationBudget(initial: 10, cap: 100);
        var picks = new List<int>();
        for (var loop = 0; loop < 40; loop++)
        {
            picks.Add(budget.Observe(6 + (2.0 * budget.Iterations), 50));
        }

        Assert.InRange(budget.Iterations, 21, 22);
        Assert.All(picks.Skip(30), i => Assert.Equal(budget.Iterations, i));
        Assert.All(picks, i => Assert.InRange(6 + (2.0 * i), 0, 50));
    }

    [Fact]
    public void Observe_ALoadSpike_BacksOffAtOnceAndRecovers()
    {
        // 1 ms per iteration; a loop that suddenly costs 10x (another region's burst on the same cores).
        var budget = new IsacIterationBudget(initial: 20, cap: 30);
        budget.Observe(20, 50);
        var before = budget.Iterations;

        var after = budget.Observe(10.0 * before, 50);
        Assert.True(after < before, $"{before} -> {after}");
        Assert.True(after * 10.0 <= 50, $"{after} iterations at 10 ms each overrun 50 ms");

        for (var loop = 0; loop < 30; loop++)
        {
            budget.Observe(budget.Iterations, 50);
        }

        Assert.Equal(30, budget.Iterations);
    }

    [Theory]
    [InlineData(double.NaN, 50)]
    [InlineData(-1, 50)]
    [InlineData(10, 0)]
    [InlineData(10, double.PositiveInfinity)]
    public void Observe_BadCostsOrBudgets_Refused(double cost, double budgetMs)
    {
        var budget = new IsacIterationBudget(initial: 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => budget.Observe(cost, budgetMs));
        Assert.Equal(10, budget.Iterations);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(11, 10)]
    [InlineData(1, 0)]
    public void Create_OutOfBounds_Refused(int initial, int cap) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsacIterationBudget(initial, cap));
}
