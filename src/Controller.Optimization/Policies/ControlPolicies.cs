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

    /// <inheritdoc />
    public IReadOnlyList<(string Name, string Description)> Policies => PolicyCatalog.Policies;

    /// <inheritdoc />
    public void Validate(string spec) => _ = Create(spec, seed: 0, configurationIndex: 0);

    /// <inheritdoc />
    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return PolicyCatalog.Create(spec.Trim(), seed, configurationIndex);
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
