namespace Controller.Runtime.Grains;

/// <summary>A grain could not be activated (its OnActivateAsync or state read failed); the call that needed it fails with this.</summary>
public sealed class GrainActivationException : Exception
{
    /// <summary>Creates the exception for <paramref name="grain"/>.</summary>
    public GrainActivationException(GrainId grain, Exception innerException)
        : base($"Activation of grain {grain} failed: {innerException?.Message}", innerException)
    {
        Grain = grain;
    }

    /// <summary>Creates the exception with a message.</summary>
    public GrainActivationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GrainActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public GrainActivationException()
        : this("Grain activation failed.")
    {
    }

    /// <summary>The grain that failed to activate.</summary>
    public GrainId Grain { get; }
}
