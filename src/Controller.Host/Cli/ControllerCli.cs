using System.CommandLine;
using Controller.Radio;

namespace Controller.Host.Cli;

/// <summary>
/// The <c>controller</c> command line. User mistakes (unknown names, bad values) end with one line on
/// stderr and exit code 2; results go to stdout, progress to stderr.
/// </summary>
internal static class ControllerCli
{
    /// <summary>Exit code for a user mistake.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for an unexpected failure.</summary>
    public const int InternalError = 1;

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var io = new CliStreams(output, error);
        var root = new RootCommand("Cloud RAN controller: radio scenarios, baselines and paper reproductions.")
        {
            EvalCommand.Create(io),
            ScenarioCommand.Create(io),
            ReproduceCommand.Create(io),
            BenchCommand.Create(io),
            RanSimCommand.Create(io),
            DemoCommand.Create(io),
            PolicyCommand.Create(io),
            SiloCommand.Create(io),
            ClusterCommand.Create(io),
            TrainCommand.Create(io),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"error: {OneLine(parsed.Errors[0].Message)} (see '{CommandPath(parsed)} --help')");
            return UsageError;
        }

        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            if (parsed.CommandResult.Command.Name is "cluster" or "failover")
            {
                // After Ctrl+C or SIGTERM the verb stops its child processes in order (silos, then the RAN and storage);
                // the default 2 s would end it part-way and leave the rest to the children's watchdogs.
                configuration.ProcessTerminationTimeout = ClusterCommand.StopTimeout;
            }

            return parsed.Invoke(configuration);
        }
        catch (Exception exception) when (exception is RadioInputException or CliUsageException or Controller.Ran.Simulation.RanArgumentException)
        {
            error.WriteLine($"error: {OneLine(exception.Message)}");
            return UsageError;
        }
        catch (Exception exception) when (Find<Controller.Persistence.CorruptGrainStateException>(exception) is { } corrupt)
        {
            // A damaged state file (a truncated write, a hand edit): say which grain and file, keep the file.
            error.WriteLine($"error: {OneLine(corrupt.Message)}");
            return UsageError;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {OneLine(exception.Message)}");
            return InternalError;
        }
    }

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string> { "controller" };
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand)
            {
                names.Insert(1, result.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>The streams a command writes to.</summary>
/// <param name="Output">Results.</param>
/// <param name="Error">Progress and errors.</param>
internal sealed record CliStreams(TextWriter Output, TextWriter Error);

/// <summary>A command-line mistake found after parsing (for example a value out of range).</summary>
internal sealed class CliUsageException(string message) : Exception(message)
{
    public CliUsageException()
        : this("Invalid command line.")
    {
    }

    public CliUsageException(string message, Exception innerException)
        : this(message + " " + innerException?.Message)
    {
    }
}
