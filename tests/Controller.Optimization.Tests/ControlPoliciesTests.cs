using Controller.Optimization.Policies;
using Controller.Radio;

namespace Controller.Optimization.Tests;

public sealed class ControlPoliciesTests
{
    [Fact]
    public void Create_Baseline_Delegates()
    {
        Assert.NotNull(ControlPolicies.Provider.Create("wmmse", 1, 0));
    }

    [Fact]
    public void Validate_Unknown_ListsKnownPolicies()
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate("best"));

        Assert.Contains("wmmse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitWrapper_UnclosedParenthesis_ClearError()
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.SplitWrapper("alcor(wmmse"));

        Assert.Contains("does not close", error.Message, StringComparison.Ordinal);
    }
}
