namespace Controller.Policies.ArtifactFormat;

/// <summary>
/// A policy artifact (its directory, <c>manifest.json</c> or <c>model.safetensors</c>) that cannot be used.
/// The message names the file and says what is wrong with it, in one sentence.
/// </summary>
public sealed class PolicyArtifactException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with the problem found in it.</summary>
    public PolicyArtifactException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
    }

    /// <summary>Creates the exception for <paramref name="path"/> with the problem found in it and its cause.</summary>
    public PolicyArtifactException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
    }

    /// <summary>Creates the exception with a message and no file.</summary>
    public PolicyArtifactException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message, its cause and no file.</summary>
    public PolicyArtifactException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public PolicyArtifactException()
        : base("Invalid policy artifact.")
    {
    }

    /// <summary>The file or directory at fault (null when not known).</summary>
    public string? Path { get; }
}
