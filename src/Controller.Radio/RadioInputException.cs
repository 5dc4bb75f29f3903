namespace Controller.Radio;

/// <summary>
/// A user-supplied name, setting or value that the radio models cannot accept. The message is one
/// sentence that says what is wrong and what is allowed; hosts print it as it is (CLI: one line and
/// exit code 2; HTTP: a problem details body).
/// </summary>
public sealed class RadioInputException : Exception
{
    /// <summary>Creates the exception with its user-facing message.</summary>
    public RadioInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its user-facing message and cause.</summary>
    public RadioInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public RadioInputException()
        : base("Invalid radio input.")
    {
    }
}
