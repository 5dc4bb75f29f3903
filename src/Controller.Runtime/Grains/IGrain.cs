namespace Controller.Runtime.Grains;

/// <summary>
/// Marker for grain interfaces. Methods return <see cref="Task"/>, <see cref="Task{TResult}"/>,
/// <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>; arguments and results are plain data
/// (System.Text.Json-serializable) so that calls can cross silos; a trailing
/// <see cref="CancellationToken"/> parameter flows from caller to grain.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1040:Avoid empty interfaces", Justification = "A marker that lets the runtime find grain interfaces, as in Orleans.")]
public interface IGrain
{
}

/// <summary>Names a grain interface's type in ids, storage and traces (default: the interface name without the leading I and a trailing "Grain", lower case).</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The grain type name.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Marks a grain method that may run while another turn of the same activation is in progress
/// (Orleans' AlwaysInterleave). Use it only for methods that read immutable or thread-safe state.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReentrantAttribute : Attribute
{
}
