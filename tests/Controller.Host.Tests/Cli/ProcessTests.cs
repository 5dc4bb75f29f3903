using System.Text.Json;

namespace Controller.Host.Tests.Cli;

/// <summary>The real executable in a child process: exit codes and streams as a shell script sees them.</summary>
[Trait("Category", "Process")]
public sealed class ProcessTests
{
    [Fact]
    public async Task Controller_BadValue_ExitCode2AndOneStderrLine()
    {
        var (code, stdout, stderr) = await RunAsync("eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "snrDb=nan");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("error: Setting 'snrDb' of scenario 'gaussian-ic' got 'nan'; it must be a number in [-30, 60] (dB).", stderr.Trim());
    }

    [Fact]
    public async Task Controller_EvalJson_StdoutIsOnlyJson()
    {
        var (code, stdout, stderr) = await RunAsync("eval", "--scenario", "gaussian-ic", "--policy", "full-reuse", "--configs", "2", "--slots", "5", "--json");

        Assert.Equal(0, code);
        using var document = JsonDocument.Parse(stdout);
        Assert.Equal("full-reuse", document.RootElement.GetProperty("policy").GetString());
        Assert.Contains("eval:", stderr, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => ControllerProcess.RunAsync(null, args);
}
