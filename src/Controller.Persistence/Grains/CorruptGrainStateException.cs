using Orleans;
using Orleans.Runtime;

namespace Controller.Persistence;

/// <summary>
/// A grain's stored state cannot be read back: the file is truncated, damaged, belongs to another grain,
/// or its payload does not deserialize. The file is left exactly as it was; an operator inspects it and
/// then deletes it (the grain starts from empty state) or restores it from a backup.
/// </summary>
/// <remarks>
/// Derives from <see cref="OrleansException"/> so that Orleans' state bridge passes it to the grain
/// unwrapped, where it can be caught by type; it is serializable so that the grain's caller gets it too.
/// </remarks>
[GenerateSerializer]
[Alias("Controller.Persistence.CorruptGrainStateException")]
public sealed class CorruptGrainStateException : OrleansException
{
    /// <summary>Creates the exception naming the grain, the state, the file and what is wrong with it.</summary>
    public CorruptGrainStateException(GrainId grainId, string stateName, string filePath, string reason, Exception? innerException = null)
        : base($"Grain state '{stateName}' of grain {grainId} in {filePath} is unreadable: {reason}. The file was left untouched; inspect it, then delete or restore it.", innerException!)
    {
        GrainId = grainId;
        StateName = stateName;
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptGrainStateException()
        : this("Grain state is unreadable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptGrainStateException(string message)
        : base(message)
    {
        StateName = FilePath = Reason = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CorruptGrainStateException(string message, Exception innerException)
        : base(message, innerException)
    {
        StateName = FilePath = Reason = string.Empty;
    }

    /// <summary>The grain whose state is unreadable.</summary>
    [Id(0)]
    public GrainId GrainId { get; init; }

    /// <summary>The state name (the first argument of <c>[PersistentState]</c>).</summary>
    [Id(1)]
    public string StateName { get; init; }

    /// <summary>The absolute path of the unreadable file.</summary>
    [Id(2)]
    public string FilePath { get; init; }

    /// <summary>What is wrong with the file.</summary>
    [Id(3)]
    public string Reason { get; init; }
}
