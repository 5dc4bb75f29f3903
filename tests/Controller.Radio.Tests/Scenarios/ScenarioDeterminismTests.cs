using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

public class ScenarioDeterminismTests
{
    private const int Slots = 6;

    public static TheoryData<string> ScenarioNames => new() { "gaussian-ic", "alcor-cellular", "resilient-rrm", "agg-gnn", "isac" };

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void CreateConfiguration_SameSeedAndIndex_BitIdenticalGains(string name)
    {
        var first = GainsOverSlots(name, [], seed: 42, index: 3);
        var second = GainsOverSlots(name, [], seed: 42, index: 3);

        for (var slot = 0; slot < Slots; slot++)
        {
            Assert.True(first[slot].SequenceEqual(second[slot]), $"{name}: slot {slot} differs between identical runs.");
        }
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void CreateConfiguration_DifferentSeed_DifferentGains(string name)
    {
        var first = GainsOverSlots(name, [], seed: 42, index: 3);
        var other = GainsOverSlots(name, [], seed: 43, index: 3);

        Assert.False(first[0].SequenceEqual(other[0]), $"{name}: seeds 42 and 43 gave the same gains.");
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void CreateConfiguration_DifferentIndex_DifferentGains(string name)
    {
        var first = GainsOverSlots(name, [], seed: 42, index: 3);
        var other = GainsOverSlots(name, [], seed: 42, index: 4);

        Assert.False(first[0].SequenceEqual(other[0]), $"{name}: configurations 3 and 4 gave the same gains.");
    }

    [Fact]
    public void CreateConfiguration_GaussianIcActivityChanged_SameGains()
    {
        var always = GainsOverSlots("gaussian-ic", [new("activity", "1")], seed: 7, index: 0);
        var half = GainsOverSlots("gaussian-ic", [new("activity", "0.5")], seed: 7, index: 0);
        var rare = GainsOverSlots("gaussian-ic", [new("activity", "0.1")], seed: 7, index: 0);

        for (var slot = 0; slot < Slots; slot++)
        {
            Assert.True(always[slot].SequenceEqual(half[slot]), $"Activity 0.5 changed the gains of slot {slot}.");
            Assert.True(always[slot].SequenceEqual(rare[slot]), $"Activity 0.1 changed the gains of slot {slot}.");
        }
    }

    [Fact]
    public void Advance_GaussianIcHalfActivity_SomeLinksInactive()
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var configuration = scenario.CreateConfiguration(scenario.Resolve([new("activity", "0.5")]), 7, 0);
        var active = 0;
        for (var slot = 0; slot < 50; slot++)
        {
            configuration.Advance();
            active += configuration.Active.Count(a => a);
        }

        // 1000 Bernoulli(0.5) draws: standard deviation 16.
        Assert.InRange(active, 420, 580);
    }

    [Theory]
    [InlineData("100", "2.4", "1")]     // 2 pi fd Ts = 5.03: J0 = -0.18
    [InlineData("100", "300", "1")]     // 628: far past the power series' range
    [InlineData("3", "2.4", "10000")]
    public void CreateConfiguration_ResilientRrmFastOrLongSlots_GainsFiniteAndPositive(string speed, string carrierGHz, string slotMs)
    {
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve([new("speed", speed), new("carrierGHz", carrierGHz), new("slotMs", slotMs), new("users", "10")]);
        var configuration = scenario.CreateConfiguration(settings, 3, 0);

        for (var slot = 0; slot < 25; slot++)
        {
            configuration.Advance();
            Assert.All(configuration.Gains.Values.ToArray(), g => Assert.True(double.IsFinite(g) && g > 0, $"Gain {g} at slot {slot}."));
        }
    }

    private static List<double[]> GainsOverSlots(string name, KeyValuePair<string, string>[] overrides, ulong seed, int index)
    {
        var scenario = ScenarioCatalog.Get(name);
        var configuration = scenario.CreateConfiguration(scenario.Resolve(overrides), seed, index);
        var slots = new List<double[]>();
        for (var slot = 0; slot < Slots; slot++)
        {
            configuration.Advance();
            slots.Add(configuration.Gains.Values.ToArray());
        }

        return slots;
    }
}
