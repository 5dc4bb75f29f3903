using Controller.Ran.Contract;

namespace Controller.Ran.Simulation;

/// <summary>
/// An argument the simulator refuses (unknown id, value out of range). Its message is the sentence alone,
/// without the parameter name <see cref="ArgumentException"/> would append, so hosts can show it as it is.
/// </summary>
public sealed class RanArgumentException : ArgumentException
{
    private readonly string _sentence;

    /// <summary>Creates the exception.</summary>
    public RanArgumentException(RanRejection reason, string message, string? paramName)
        : base(message, paramName)
    {
        Reason = reason;
        _sentence = message;
    }

    /// <summary>Creates the exception.</summary>
    public RanArgumentException()
        : this(RanRejection.InvalidRequest, "The RAN simulator refused an argument.", null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RanArgumentException(string message)
        : this(RanRejection.InvalidRequest, message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RanArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
        _sentence = message;
    }

    /// <summary>Unknown id or invalid value.</summary>
    public RanRejection Reason { get; }

    /// <inheritdoc />
    public override string Message => _sentence;
}
