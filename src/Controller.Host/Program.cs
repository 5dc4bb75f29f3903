using Controller.Host.Cli;
using Controller.Host.Telemetry;

// The silo verbs (demo, silo) export through their host (OpenTelemetry's hosting package, TelemetrySetup.AddTo);
// every other verb through process-wide providers. Both read the same OTEL_* variables, checked here first.
IDisposable telemetry;
try
{
    if (args.Length > 0 && args[0] is "demo" or "silo")
    {
        TelemetrySetup.HostedExport = TelemetrySetup.Requested();
        telemetry = TelemetrySetup.Disabled;
    }
    else
    {
        telemetry = TelemetrySetup.Start("controller");
    }
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
