using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

public class ScenarioSettingsTests
{
    [Fact]
    public void Resolve_UnknownKey_ThrowsNamingKeyAndAllowedKeys()
    {
        var error = Assert.Throws<RadioInputException>(() => Resolve("gaussian-ic", ("speed", "3")));

        Assert.Contains("'speed'", error.Message, StringComparison.Ordinal);
        Assert.Contains("links, snrDb, activity, demands", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gaussian-ic", "snrDb", "NaN", "a number in [-30, 60] (dB)")]
    [InlineData("gaussian-ic", "snrDb", "61", "a number in [-30, 60] (dB)")]
    [InlineData("gaussian-ic", "snrDb", "-30.5", "a number in [-30, 60] (dB)")]
    [InlineData("gaussian-ic", "activity", "Infinity", "a number in [0, 1]")]
    [InlineData("gaussian-ic", "links", "-1", "an integer in [1, 4096]")]
    [InlineData("gaussian-ic", "links", "2.5", "an integer in [1, 4096]")]
    [InlineData("resilient-rrm", "area", "-500", "a number in [10, 100000] (m)")]
    [InlineData("resilient-rrm", "users", "0", "an integer in [1, 16384]")]
    [InlineData("agg-gnn", "pairs", "abc", "an integer in [1, 4096]")]
    [InlineData("alcor-cellular", "demands", "1,NaN", "comma-separated numbers in [0, 100] (bps/Hz)")]
    public void Resolve_InvalidValue_ThrowsNamingKeyAndAllowedRange(string scenario, string key, string value, string allowed)
    {
        var error = Assert.Throws<RadioInputException>(() => Resolve(scenario, (key, value)));

        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DemandsOfWrongLength_Throws()
    {
        var error = Assert.Throws<RadioInputException>(() => Resolve("gaussian-ic", ("links", "3"), ("demands", "1,2")));

        Assert.Contains("'demands'", error.Message, StringComparison.Ordinal);
        Assert.Contains("exactly 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", new[] { 2.0, 2.0, 2.0 })]
    [InlineData("1, 2.5 ,0", new[] { 1.0, 2.5, 0.0 })]
    [InlineData("", new[] { 0.0, 0.0, 0.0 })]
    public void CreateConfiguration_DemandsOneOrPerLink_Expanded(string demands, double[] expected)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve([new("links", "3"), new("demands", demands)]);

        var configuration = scenario.CreateConfiguration(settings, 1, 0);

        Assert.Equal(expected, configuration.Demands.ToArray());
    }

    [Fact]
    public void Resolve_AlcorMinDistanceNotBelowMax_Throws()
    {
        var error = Assert.Throws<RadioInputException>(() => Resolve("alcor-cellular", ("minDistance", "600")));

        Assert.Contains("'minDistance'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Overrides_ReadBackTypedAndAsText()
    {
        var settings = Resolve("gaussian-ic", ("links", " 7 "), ("snrDb", "2.5e1"));

        Assert.Equal(7, settings.GetInt("links"));
        Assert.Equal(25.0, settings.GetDouble("snrDb"));
        Assert.Equal(1.0, settings.GetDouble("activity"));
        Assert.Equal("7", settings.AsText["links"]);
    }

    [Fact]
    public void Get_UnknownScenario_ThrowsListingKnownNames()
    {
        var error = Assert.Throws<RadioInputException>(() => ScenarioCatalog.Get("gaussian"));

        Assert.Contains("'gaussian'", error.Message, StringComparison.Ordinal);
        foreach (var name in new[] { "gaussian-ic", "alcor-cellular", "resilient-rrm", "agg-gnn" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    private static ScenarioSettings Resolve(string scenario, params (string Key, string Value)[] overrides)
        => ScenarioCatalog.Get(scenario).Resolve(overrides.Select(o => new KeyValuePair<string, string>(o.Key, o.Value)));
}
