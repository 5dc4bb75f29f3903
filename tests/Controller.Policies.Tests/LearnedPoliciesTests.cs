using Controller.Radio;

namespace Controller.Policies.Tests;

public sealed class LearnedPoliciesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public LearnedPoliciesTests()
    {
        TestArtifacts.Random(_temp.Combine("gnn-a"), TestArtifacts.ResilientManifest(name: "gnn-a"), seed: 1);
        TestArtifacts.Random(_temp.Combine("agg-b"), TestArtifacts.AggManifest(edgeThreshold: 0.125, name: "agg-b"), seed: 2);
        Directory.CreateDirectory(_temp.Combine("not-an-artifact"));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Create_NameUnderRoot_ResolvesEachArchitecture()
    {
        var provider = new LearnedPolicies(_temp.Path);

        Assert.IsType<ResilientGnnPolicy>(provider.Create("gnn:gnn-a", 1, 0));
        Assert.IsType<AggGnnPolicy>(provider.Create("agg-gnn:agg-b", 1, 0));
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../gnn-a")]
    [InlineData("./gnn-a")]
    [InlineData(".hidden")]
    [InlineData("a\\b")]
    public void Create_PathInsteadOfName_RefusedWithoutSayingWhatExists(string name)
    {
        var root = Path.Combine(_temp.Path, "elsewhere");
        var provider = new LearnedPolicies(root);

        // A path that exists and one that does not get the same answer, so a request cannot probe the disk.
        var existing = Assert.Throws<RadioInputException>(() => provider.Create("gnn:" + _temp.Combine("gnn-a"), 1, 0));
        var missing = Assert.Throws<RadioInputException>(() => provider.Create("gnn:" + _temp.Combine("gnn-zz"), 1, 0));
        var named = Assert.Throws<RadioInputException>(() => provider.Validate("gnn:" + name));

        Assert.Contains("is not an artifact name", named.Message, StringComparison.Ordinal);
        Assert.Equal(existing.Message.Replace("gnn-a", "gnn-zz", StringComparison.Ordinal), missing.Message);
        Assert.DoesNotContain(root, existing.Message + named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwicePerArtifact_SharesOneLoadOfTheWeights()
    {
        var provider = new LearnedPolicies(_temp.Path);

        var first = (ResilientGnnPolicy)provider.Create("gnn:gnn-a", 1, 0);
        var second = (ResilientGnnPolicy)provider.Create("gnn:gnn-a", 1, 1);

        Assert.Same(first.Model.Weights, second.Model.Weights);
        Assert.NotSame(first.Model, second.Model);
    }

    [Fact]
    public void Create_AggGnnWithoutEta0_TakesTheTrainingEdgeThreshold()
    {
        var provider = new LearnedPolicies(_temp.Path);

        var fromManifest = (AggGnnPolicy)provider.Create("agg-gnn:agg-b", 1, 0);
        var fromArgument = (AggGnnPolicy)provider.Create("agg-gnn:agg-b,eta0=0.5", 1, 0);

        Assert.Equal(0.125, fromManifest.EdgeThreshold);
        Assert.Equal(0.5, fromArgument.EdgeThreshold);
    }

    [Fact]
    public void Validate_UnknownName_ListsWhatIsAvailable()
    {
        var provider = new LearnedPolicies(_temp.Path);

        var error = Assert.Throws<RadioInputException>(() => provider.Validate("gnn:nope"));

        Assert.Equal("Unknown policy artifact 'nope' in 'gnn:nope' (available: agg-b, gnn-a); import one with 'controller policy import DIR'.", error.Message);
    }

    [Fact]
    public void Validate_EmptyRoot_SaysNothingIsInstalled()
    {
        var provider = new LearnedPolicies(_temp.Combine("not-an-artifact"));

        var error = Assert.Throws<RadioInputException>(() => provider.Validate("gnn:x"));

        Assert.Contains("(no artifacts are installed)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gnn:agg-b", "Policy 'gnn:agg-b' needs an artifact of architecture resilient-gnn, but 'agg-b' is agg-gnn; use agg-gnn:agg-b.")]
    [InlineData("agg-gnn:gnn-a", "Policy 'agg-gnn:gnn-a' needs an artifact of architecture agg-gnn, but 'gnn-a' is resilient-gnn; use gnn:gnn-a.")]
    [InlineData("agg-gnn:agg-b,eta0=-1", "Policy 'agg-gnn:agg-b,eta0=-1': the option after the comma must be eta0=X with X a number >= 0 (got 'eta0=-1').")]
    [InlineData("agg-gnn:agg-b,k=3", "Policy 'agg-gnn:agg-b,k=3': the option after the comma must be eta0=X with X a number >= 0 (got 'k=3').")]
    [InlineData("wmmse", "'wmmse' is not a learned policy; write gnn:<artifact>, agg-gnn:<artifact>, sel-gnn:<artifact> or dnn:<artifact>.")]
    public void Validate_Mismatch_Explains(string spec, string message)
    {
        var provider = new LearnedPolicies(_temp.Path);

        var error = Assert.Throws<RadioInputException>(() => provider.Validate(spec));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Validate_BrokenArtifact_NamesTheFile()
    {
        File.WriteAllText(_temp.Combine("not-an-artifact/manifest.json"), "{}");
        var provider = new LearnedPolicies(_temp.Path);

        var error = Assert.Throws<RadioInputException>(() => provider.Validate("gnn:not-an-artifact"));

        Assert.Equal($"Policy 'gnn:not-an-artifact': {_temp.Combine("not-an-artifact/model.safetensors")}: is missing (a policy artifact is a directory with manifest.json and model.safetensors)", error.Message);
    }

    [Fact]
    public void Policies_ListsInstalledArtifactsWithTheirPrefix()
    {
        var provider = new LearnedPolicies(_temp.Path);

        var names = provider.Policies.Select(p => p.Name).ToArray();

        Assert.Contains("gnn:gnn-a", names);
        Assert.Contains("agg-gnn:agg-b", names);
        Assert.Contains("gnn:<artifact>", names);
        Assert.Equal(["agg-b", "gnn-a"], provider.AvailableArtifacts());
        Assert.True(LearnedPolicies.Recognizes(" gnn:x"));
        Assert.False(LearnedPolicies.Recognizes("alcor(wmmse)"));
    }

    [Fact]
    public void DefaultArtifactsRoot_IsTheFolderNextToTheAssembly()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "artifacts"), LearnedPolicies.DefaultArtifactsRoot);
        Assert.Equal(Path.GetFullPath(LearnedPolicies.DefaultArtifactsRoot), new LearnedPolicies().ArtifactsRoot);
    }
}
