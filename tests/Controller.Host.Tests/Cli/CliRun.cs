using Controller.Host.Cli;

namespace Controller.Host.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what it writes.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static CliRun Of(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = ControllerCli.Run(args, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
