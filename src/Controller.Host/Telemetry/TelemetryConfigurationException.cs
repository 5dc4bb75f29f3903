namespace Controller.Host.Telemetry;

/// <summary>An <c>OTEL_*</c> environment variable has a value export cannot use; the message is one line naming it.</summary>
internal sealed class TelemetryConfigurationException : Exception
{
    public TelemetryConfigurationException()
    {
    }

    public TelemetryConfigurationException(string message)
        : base(message)
    {
    }

    public TelemetryConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
