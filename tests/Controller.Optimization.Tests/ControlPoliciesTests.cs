using Controller.Optimization.Alcor;
using Controller.Optimization.Policies;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

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

    [Fact]
    public void Create_WithMoreProvider_ResolvesItsNamesAlsoInsideAlcor()
    {
        var policies = new ControlPolicies(new FakeProvider());

        Assert.IsType<MaskableFake>(policies.Create("fake:a", 1, 0));
        Assert.IsType<AlcorPolicy>(policies.Create("alcor(fake:a)", 1, 0));
        Assert.IsType<AlcorPolicy>(policies.Create("alcor(wmmse)", 1, 0));
        Assert.Contains(policies.Policies, p => p.Name == "fake:<name>");
        var error = Assert.Throws<RadioInputException>(() => policies.Create("alcor(fake:plain)", 1, 0));
        Assert.Contains("cannot run inside alcor", error.Message, StringComparison.Ordinal);
        // Without the extra provider the name is unknown.
        Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Create("fake:a", 1, 0));
    }

    private sealed class FakeProvider : IPolicyProvider
    {
        public IReadOnlyList<(string Name, string Description)> Policies { get; } = [("fake:<name>", "a test policy")];

        public void Validate(string spec) => Create(spec, 0, 0);

        public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex) => spec switch
        {
            "fake:plain" => new PlainFake(),
            _ when spec.StartsWith("fake:", StringComparison.Ordinal) => new MaskableFake(),
            _ => throw new RadioInputException($"Unknown fake policy '{spec}'."),
        };
    }

    private sealed class PlainFake : IAllocationPolicy
    {
        public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        {
        }
    }

    private sealed class MaskableFake : IMaskablePolicy
    {
        public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        {
        }

        public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
        {
        }
    }
}
