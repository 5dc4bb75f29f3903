using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

public sealed class AlcorDnnPolicyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static PolicyManifest Manifest(AlcorDnnKind kind, int users, int[] hidden)
    {
        var hyperparameters = new AlcorDnnHyperparameters(kind, users, [AlcorDnnHyperparameters.InputWidth(kind, users), .. hidden, AlcorDnnHyperparameters.OutputWidth(kind, users)], 1e-5);
        return new PolicyManifest($"test-dnn-{hyperparameters.KindName}", hyperparameters, new AlcorDnnInputs(AlcorDnnInputs.FeaturesOf(kind), 5, 1));
    }

    private AlcorDnnWeights Weights(AlcorDnnKind kind, int users, params int[] hidden)
        => AlcorDnnWeights.From(TestArtifacts.Random(_temp.Combine(kind.ToString()), Manifest(kind, users, hidden), seed: 11));

    private static NetworkConfiguration Gaussian(int links, string demands = "")
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        return scenario.CreateConfiguration(scenario.Resolve([new("links", links.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("demands", demands)]), 3, 0);
    }

    [Fact]
    public void An_artifact_trained_with_a_feature_probe_is_not_served()
    {
        var probed = Manifest(AlcorDnnKind.Distributed, 20, [100, 50]) with
        {
            Training = new PolicyTraining("gaussian-ic", new Dictionary<string, string> { ["links"] = "20" }, new Dictionary<string, System.Text.Json.JsonElement> { ["probe"] = System.Text.Json.JsonDocument.Parse("\"direct\"").RootElement.Clone() }),
        };
        var plain = Manifest(AlcorDnnKind.Distributed, 20, [100, 50]);
        var root = _temp.Combine("probes");
        Directory.CreateDirectory(root);
        TestArtifacts.Random(Path.Combine(root, "probed"), probed with { Name = "probed" });
        TestArtifacts.Random(Path.Combine(root, "plain"), plain with { Name = "plain" });
        var learned = new LearnedPolicies(root);

        var error = Assert.Throws<RadioInputException>(() => learned.Create("dnn:probed", 1, 0));

        Assert.Equal("Policy 'dnn:probed': artifact 'probed' was trained with the feature probe \"direct\", a diagnostic measurement rather than an allocator; it cannot be served.", error.Message);
        Assert.IsType<AlcorDnnPolicy>(learned.Create("dnn:plain", 1, 0));
    }

    [Fact]
    public void Manifest_RoundTrips_And_Rejects_Widths_That_Do_Not_Fit_The_Kind()
    {
        var manifest = Manifest(AlcorDnnKind.Distributed, 20, [100, 50]);
        var parsed = PolicyManifest.Parse(manifest.ToJson(), "test");

        Assert.Equal(manifest.Hyperparameters, parsed.Hyperparameters);
        Assert.Equal(new AlcorDnnInputs("local-41", 5, 1), parsed.Inputs);
        Assert.Equal(2 * 3 + 4 * 2, parsed.Hyperparameters.ExpectedTensors().Count);
        var wrongInput = manifest.ToJson().Replace("41,", "40,", StringComparison.Ordinal);
        Assert.Contains("input width 41", Assert.Throws<PolicyArtifactException>(() => PolicyManifest.Parse(wrongInput, "test")).Message, StringComparison.Ordinal);
        var wrongFeatures = manifest.ToJson().Replace("local-41", "gains", StringComparison.Ordinal);
        Assert.Contains("local-41", Assert.Throws<PolicyArtifactException>(() => PolicyManifest.Parse(wrongFeatures, "test")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlcorDnnKind.Centralized)]
    [InlineData(AlcorDnnKind.Distributed)]
    [InlineData(AlcorDnnKind.Dynamic)]
    public void Powers_Stay_In_The_Box_And_Users_That_Are_Off_Transmit_Nothing(AlcorDnnKind kind)
    {
        const int Links = 6;
        var policy = new AlcorDnnPolicy(Weights(kind, 8, 12, 7));
        var configuration = Gaussian(Links, "0.5,0,1,0,0,2");
        var decision = new SlotDecision(Links);
        var fairness = new ProportionalFairSelector(Links, Links);
        var eligible = new[] { true, false, true, true, false, true };
        var rates = new double[Links];
        var seen = new List<double>();
        for (var slot = 0; slot < 20; slot++)
        {
            configuration.Advance();
            policy.Decide(configuration, fairness, decision, eligible);
            for (var i = 0; i < Links; i++)
            {
                Assert.InRange(decision.Power[i], 0, configuration.Constants.MaxPower);
                if (!eligible[i])
                {
                    Assert.Equal(0, decision.Power[i]);
                    Assert.Equal(-1, decision.ServedReceiver[i]);
                }
                else
                {
                    seen.Add(decision.Power[i]);
                }
            }

            Sinr.ComputeRates(configuration.Gains, decision.ServedReceiver, decision.Power, configuration.Constants.Noise, rates);
            policy.Learn(configuration, rates);
        }

        // Real outputs, not a saturated sigmoid.
        Assert.Contains(seen, p => p is > 0.01 and < 0.99);
    }

    [Fact]
    public void Centralized_Network_Refuses_More_Links_Than_It_Was_Built_For()
    {
        var policy = new AlcorDnnPolicy(Weights(AlcorDnnKind.Centralized, 4, 8));
        var configuration = Gaussian(6);
        configuration.Advance();

        var error = Assert.Throws<RadioInputException>(() => policy.Decide(configuration, new ProportionalFairSelector(6, 6), new SlotDecision(6)));
        Assert.Contains("at most 4 users", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distributed_Network_Is_The_Same_For_Every_User_Permuting_Users_Permutes_Powers()
    {
        const int Users = 9;
        var model = new AlcorDnnModel(Weights(AlcorDnnKind.Distributed, 20, 16, 8));
        int[] permutation = [4, 0, 7, 2, 8, 1, 6, 3, 5];
        var original = new AlcorDnnLocalState(Users);
        var permuted = new AlcorDnnLocalState(Users);
        var random = new SeededRandom(5);
        double[] Draw(int count, double scale) => [.. Enumerable.Range(0, count).Select(_ => random.NextDouble(0, scale))];
        double[] Permute(double[] values) => [.. permutation.Select(p => values[p])];
        double[] PermuteMatrix(double[] values) => [.. Enumerable.Range(0, Users * Users).Select(k => values[(permutation[k / Users] * Users) + permutation[k % Users]])];
        for (var slot = 0; slot < 3; slot++)
        {
            var gains = Draw(Users * Users, 2);
            var power = Draw(Users, 1);
            var rates = Draw(Users, 3);
            original.Record(gains, power, rates);
            permuted.Record(PermuteMatrix(gains), Permute(power), Permute(rates));
        }

        var now = Draw(Users * Users, 2);
        var inputs = new double[Users * AlcorDnnLocalState.Width];
        var permutedInputs = new double[Users * AlcorDnnLocalState.Width];
        for (var i = 0; i < Users; i++)
        {
            original.Features(now, 0.03, 1, i, inputs.AsSpan(i * AlcorDnnLocalState.Width));
            permuted.Features(PermuteMatrix(now), 0.03, 1, i, permutedInputs.AsSpan(i * AlcorDnnLocalState.Width));
        }

        var output = new double[Users];
        var permutedOutput = new double[Users];
        model.Run(Users, inputs, output);
        model.Run(Users, permutedInputs, permutedOutput);

        Assert.Contains(output, p => p is > 0.01 and < 0.99);
        Assert.True(output.Distinct().Count() == Users, "every user gets its own power");
        for (var i = 0; i < Users; i++)
        {
            Assert.Equal(output[permutation[i]], permutedOutput[i], 12);
        }
    }

    [Fact]
    public void Local_Measurements_Of_A_Hand_Checked_Two_User_Network()
    {
        var state = new AlcorDnnLocalState(2);
        // Slot t-1: G = [[1, 0.5], [0.25, 2]], p = (0.5, 1), R = (1.5, 2.5).
        state.Record([1, 0.5, 0.25, 2], [0.5, 1], [1.5, 2.5]);
        var features = new double[AlcorDnnLocalState.Width];

        state.Features([3, 0.2, 0.4, 4], 0.1, 1, 0, features);

        Assert.Equal(0.5, features[0]);             // p_0^{t-1} / Pmax
        Assert.Equal(1.5, features[1]);             // R_0^{t-1}
        Assert.Equal(3, features[2]);               // G_00^t
        Assert.Equal(1, features[3]);               // G_00^{t-1}
        Assert.Equal(0.1 + (0.2 * 1), features[4], 12);  // sigma^2 + G_01^t p_1^{t-1}
        Assert.Equal(0.1, features[5], 12);         // nothing transmitted at t-2
        Assert.Equal(0.2 * 1, features[6], 12);     // I_0^{t-1} = {1}: G_01^t p_1^{t-1}
        Assert.Equal(0, features[7]);               // one interferer only
        Assert.Equal(2.5, features[16]);            // its rate R_1^{t-1}
        Assert.Equal(0.25 * 0.5 / (0.1 + 0.25 * 0.5), features[26], 12); // O_0 = {1}: G_10 p_0 / (sigma^2 + G_10 p_0)
        Assert.Equal(2, features[31]);              // G_11^{t-1}
        Assert.Equal(2.5, features[36]);            // R_1^{t-1}
    }

    [Fact]
    public void LearnedPolicies_Resolves_Dnn_Names_And_Alcor_Wraps_Them()
    {
        var root = _temp.Combine("artifacts");
        Directory.CreateDirectory(root);
        TestArtifacts.Random(Path.Combine(root, "tiny-dnn"), Manifest(AlcorDnnKind.Centralized, 5, [8]) with { Name = "tiny-dnn" });
        var learned = new LearnedPolicies(root);

        Assert.IsType<AlcorDnnPolicy>(learned.Create("dnn:tiny-dnn", 1, 0));
        Assert.Contains(learned.Policies, p => p.Name == "dnn:tiny-dnn");
        Assert.Contains("use dnn:tiny-dnn", Assert.Throws<RadioInputException>(() => learned.Create("gnn:tiny-dnn", 1, 0)).Message, StringComparison.Ordinal);
    }
}
