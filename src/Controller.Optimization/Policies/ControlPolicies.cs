using Controller.Optimization.Alcor;
using Controller.Radio;
using Controller.Radio.Policies;

namespace Controller.Optimization.Policies;

/// <summary>
/// Every policy the controller can run, by name: the baselines of <see cref="PolicyCatalog"/> plus the
/// papers' constrained wrappers (for example <c>alcor(wmmse)</c>). The same provider serves
/// <c>controller eval</c> and the grains, so a name means the same decision code everywhere.
/// </summary>
public sealed class ControlPolicies : IPolicyProvider
{
    /// <summary>The shared instance.</summary>
    public static ControlPolicies Provider { get; } = new();

    private static readonly (string Name, string Description)[] Wrappers =
    [
        ("alcor(<inner>)", "ALCOR (paper 001): on-off time sharing driven by per-user duals meets the scenario's demands on average; <inner> is any baseline, e.g. alcor(wmmse)"),
        ("alcor-simple(<inner>)", "ALCOR with the simple update lambda = max(0, lambda + alpha Fhat) (no convergence guarantee)"),
    ];

    private static readonly (string Name, string Description)[] All = [.. PolicyCatalog.Policies, .. Wrappers];

    /// <inheritdoc />
    public IReadOnlyList<(string Name, string Description)> Policies => All;

    /// <inheritdoc />
    public void Validate(string spec) => _ = Create(spec, seed: 0, configurationIndex: 0);

    /// <inheritdoc />
    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Trim();
        if (SplitWrapper(spec) is not { } wrapper)
        {
            return PolicyCatalog.Create(spec, seed, configurationIndex);
        }

        if (wrapper.Inner.Length == 0)
        {
            throw new RadioInputException($"Policy '{spec}' wraps nothing; name a baseline inside the parentheses, for example {wrapper.Name}(wmmse).");
        }

        return wrapper.Name switch
        {
            "alcor" => AlcorPolicy.Create(PolicyCatalog.CreateAllocator(wrapper.Inner, seed, configurationIndex), AlcorSettings.Default, seed, configurationIndex),
            "alcor-simple" => AlcorPolicy.Create(
                PolicyCatalog.CreateAllocator(wrapper.Inner, seed, configurationIndex), AlcorSettings.Default with { Variant = AlcorVariant.Simple }, seed, configurationIndex),
            _ => throw new RadioInputException(
                $"Unknown policy wrapper '{wrapper.Name}' in '{spec}'; known wrappers: {string.Join(", ", Wrappers.Select(w => w.Name[..w.Name.IndexOf('(', StringComparison.Ordinal)]))}."),
        };
    }

    /// <summary>Splits <c>name(inner)</c> into its parts; null when <paramref name="spec"/> has no parentheses.</summary>
    internal static (string Name, string Inner)? SplitWrapper(string spec)
    {
        var open = spec.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        if (!spec.EndsWith(')'))
        {
            throw new RadioInputException($"Policy '{spec}' opens a parenthesis it does not close; write wrapper(inner), for example alcor(wmmse).");
        }

        return (spec[..open].Trim(), spec[(open + 1)..^1].Trim());
    }
}
