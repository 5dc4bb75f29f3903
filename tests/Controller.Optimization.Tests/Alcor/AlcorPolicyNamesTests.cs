using Controller.Optimization.Alcor;
using Controller.Optimization.Policies;
using Controller.Radio;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests.Alcor;

public sealed class AlcorPolicyNamesTests
{
    [Theory]
    [InlineData("alcor(wmmse)")]
    [InlineData("alcor(itlinq)")]
    [InlineData("alcor(full-reuse)")]
    [InlineData("alcor(wmmse:10)")]
    [InlineData(" alcor( random-full-power ) ")]
    [InlineData("alcor-simple(wmmse)")]
    public void Create_AlcorAroundABaseline_BuildsAlcorPolicy(string spec)
    {
        ControlPolicies.Provider.Validate(spec);

        Assert.IsType<AlcorPolicy>(ControlPolicies.Provider.Create(spec, 1, 0));
    }

    [Fact]
    public void Validate_UnknownInner_BaselineCatalogsError()
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate("alcor(best)"));

        Assert.Contains("Unknown policy 'best'", error.Message, StringComparison.Ordinal);
        Assert.Contains("wmmse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownWrapper_ListsKnownWrappers()
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate("alcorr(wmmse)"));

        Assert.Contains("alcor, alcor-simple", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyInner_SaysWhatToWrite()
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate("alcor()"));

        Assert.Contains("alcor(wmmse)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policies_ListBaselinesAndAlcorWithDescriptions()
    {
        var names = ControlPolicies.Provider.Policies.Select(p => p.Name).ToArray();

        Assert.Contains("wmmse", names);
        Assert.Contains("alcor(<inner>)", names);
        Assert.Contains("alcor-simple(<inner>)", names);
        Assert.All(ControlPolicies.Provider.Policies, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
    }

    [Fact]
    public void Evaluate_DemandsWmmseViolates_AlcorMeetsThem()
    {
        // Paper 001 Table IV's u3: WMMSE leaves link 4 at about 1.2 of its 3 bps/Hz.
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve([new("links", "5"), new("demands", "0,0,0,1,3")]);

        var wmmse = Evaluator.Run(new EvaluationRequest(scenario, settings, "wmmse", 1, 4, 600, ControlPolicies.Provider));
        var alcor = Evaluator.Run(new EvaluationRequest(scenario, settings, "alcor(wmmse)", 1, 4, 3000, ControlPolicies.Provider) { BurnInSlots = 1000 });

        Assert.InRange(wmmse.Metrics.ViolationPct!.Value, 50, 70);
        Assert.InRange(alcor.Metrics.ViolationPct!.Value, 0, 5);
    }

    [Theory]
    [InlineData("delayed:0(wmmse)", 0)]
    [InlineData("delayed:4(wmmse-budget:5)", 4)]
    [InlineData(" delayed:100( itlinq ) ", 100)]
    public void Create_DelayedBaseline_DecidesFromTheChannelOfDSlotsEarlier(string spec, int delay)
    {
        ControlPolicies.Provider.Validate(spec);

        Assert.Equal(delay, Assert.IsType<SelectThenAllocatePolicy>(ControlPolicies.Provider.Create(spec, 1, 0)).ChannelDelay);
    }

    [Theory]
    [InlineData("delayed:(wmmse)", "needs a delay in slots in [0, 100] after 'delayed:' (got '')")]
    [InlineData("delayed:-1(wmmse)", "needs a delay in slots in [0, 100] after 'delayed:' (got '-1')")]
    [InlineData("delayed:101(wmmse)", "(got '101')")]
    [InlineData("delayed:2(alcor(wmmse))", "delayed:D(...) wraps a baseline")]
    [InlineData("delayed:2(best)", "Unknown policy 'best'")]
    [InlineData("delayed:2()", "wraps nothing")]
    public void Validate_BadDelayedPolicy_SaysWhatIsWrong(string spec, string expected)
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate(spec));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
