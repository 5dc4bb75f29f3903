using Controller.Optimization.Policies;
using Controller.Policies;

namespace Controller.Host.Cli;

/// <summary>Every policy the executable accepts: baselines, wrappers (alcor(...)) and the learned policies installed next to it.</summary>
internal static class HostPolicies
{
    /// <summary>The learned policies (artifacts folder next to the executable, or a path).</summary>
    public static LearnedPolicies Learned { get; } = new();

    /// <summary>The provider of <c>eval</c>, <c>demo</c> and <c>bench</c>.</summary>
    public static ControlPolicies Provider { get; } = new(Learned);
}
