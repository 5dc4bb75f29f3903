using Controller.Host.Cli;
using Controller.Host.Telemetry;

IDisposable telemetry;
try
{
    telemetry = TelemetrySetup.Start("controller");
}
catch (TelemetryConfigurationException exception)
{
    Console.Error.WriteLine($"error: {exception.Message}");
    return ControllerCli.UsageError;
}

using (telemetry)
{
    return ControllerCli.Run(args, Console.Out, Console.Error);
}
