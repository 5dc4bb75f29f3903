using System.Text.Json;

namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// The BOBLRBF-DNN's per-coordinate inputs (<c>inputs.features</c>): for coordinate i of the scaled design
/// x = gamma / sqrt(P_max) of base station l, <c>x_i / sqrt(P_l / P_max)</c>, the gradients of f1 = -WSR / U (at the
/// lower level's errors phi(gamma)) and f2 = ln(CRLB / CRLB_iso) at i, each divided by its root mean square over the
/// design, the preference weights of f1 and f2, 1 for a sensing column (else 0), and base station l's power over its
/// budget. The lower level's steps (K_GD of eq. 16) used for phi are in <see cref="LowerLevelSteps"/>.
/// </summary>
/// <param name="LowerLevelSteps">K_GD: projected steps of the lower level from Delta = 0 that give phi(gamma).</param>
public sealed record IsacIterateInputs(int LowerLevelSteps) : PolicyInputs
{
    /// <summary>The features in order, as manifests write them.</summary>
    public const string FeatureList = "x/sqrt(budget),grad f1/rms,grad f2/rms,weight f1,weight f2,sensing column,power/budget";

    /// <summary>Number of features in <see cref="FeatureList"/>.</summary>
    public const int FeatureCount = 7;

    internal static IsacIterateInputs Parse(JsonElement element, string source)
    {
        PolicyManifest.RejectUnknown(element, source, "inputs.", "features", "lowerLevelSteps");
        var features = PolicyManifest.RequiredString(element, "features", source, "inputs.");
        if (!PolicyManifest.SameFormula(features, FeatureList))
        {
            throw PolicyManifest.Fail(source, $"'inputs.features' is '{features}'; this controller computes only '{FeatureList}'");
        }

        return new IsacIterateInputs(PolicyManifest.RequiredInt(element, "lowerLevelSteps", 1, 100, source, "inputs."));
    }

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("features", FeatureList);
        writer.WriteNumber("lowerLevelSteps", LowerLevelSteps);
    }
}
