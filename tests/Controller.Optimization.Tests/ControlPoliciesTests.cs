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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Create_Every_InnerDecidesEveryDthSlotAndTheDecisionIsHeldBetween(int period)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", "12")]);
        var configuration = scenario.CreateConfiguration(settings, 7, 0);
        var plainConfiguration = scenario.CreateConfiguration(settings, 7, 0);
        var wrapped = ControlPolicies.Provider.Create($"every:{period}(random-full-power)", 7, 0);
        var plain = ControlPolicies.Provider.Create("random-full-power", 7, 0);
        var fairness = new ProportionalFairSelector(12, 12);
        var decision = new SlotDecision(12);
        var expected = new SlotDecision(12);
        var changes = 0;
        double[] previous = [];
        for (var slot = 0; slot < 30; slot++)
        {
            configuration.Advance();
            plainConfiguration.Advance();
            wrapped.Decide(configuration, fairness, decision);
            if (slot % period == 0)
            {
                // The inner policy sees only the slots it decides: its k-th decision is the plain policy's k-th.
                plain.Decide(plainConfiguration, fairness, expected);
                Assert.Equal(expected.Power, decision.Power);
                Assert.Equal(expected.ServedReceiver, decision.ServedReceiver);
            }
            else
            {
                Assert.Equal(previous, decision.Power);
            }

            changes += previous.Length > 0 && !previous.SequenceEqual(decision.Power) ? 1 : 0;
            previous = [.. decision.Power];
        }

        Assert.InRange(changes, 1, 29 / period);
    }

    [Theory]
    [InlineData("every:0(wmmse)", "needs a period in slots in [1, 1000000] after 'every:' (got '0')")]
    [InlineData("every:x(wmmse)", "(got 'x')")]
    [InlineData("every:2(best)", "Unknown policy 'best'")]
    [InlineData("every:2()", "wraps nothing")]
    public void Validate_BadEveryPolicy_SaysWhatIsWrong(string spec, string expected)
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate(spec));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_EveryAroundAWrapper_Nests()
    {
        Assert.Equal(2, Assert.IsType<PeriodicPolicy>(ControlPolicies.Provider.Create("every:2(alcor(wmmse))", 1, 0)).Period);
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
