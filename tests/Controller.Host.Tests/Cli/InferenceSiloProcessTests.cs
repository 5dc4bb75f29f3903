using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// The inference silo as a process of its own (<c>controller silo --role inference</c>) serving a control silo's
/// regions (<c>controller demo --inference-silo URL</c>), both real child processes talking HTTP/2 on loopback.
/// </summary>
[Trait("Category", "Process")]
public sealed partial class InferenceSiloProcessTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("inference-silo-");
    private readonly int _port = FreePort();

    public void Dispose() => _state.Delete(recursive: true);

    [Fact]
    public async Task Demo_runs_its_GNN_questions_on_the_inference_silo_process()
    {
        using var silo = await StartSiloAsync();

        var (code, stdout, stderr) = await ControllerProcess.RunAsync(null, DemoArgs(duration: 3));

        Assert.True(code == 0, stderr);
        Assert.Contains($"run on the inference silo http://127.0.0.1:{_port}/", stderr, StringComparison.Ordinal);
        var summary = SummaryRegex().Match(stdout);
        Assert.True(summary.Success, stdout);
        var loops = long.Parse(summary.Groups["loops"].Value, CultureInfo.InvariantCulture);
        Assert.True(loops >= 10, stdout);
        Assert.Equal("0", summary.Groups["failed"].Value);
        // Every loop asked the silo once; a region stopped mid-loop may have asked once more than it counted.
        var questions = QuestionsRegex().Match(stderr);
        Assert.True(questions.Success, stderr);
        Assert.InRange(long.Parse(questions.Groups["questions"].Value, CultureInfo.InvariantCulture), loops, loops + 2);
    }

    [Fact]
    public async Task Killed_inference_silo_fails_loops_with_its_reason_and_the_demo_recovers_when_it_restarts()
    {
        var silo = await StartSiloAsync();
        using var demo = ControllerProcess.Start(DemoArgs(duration: 10));
        try
        {
            await demo.WaitForLineAsync(line => line.StartsWith("t=2s", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            silo.Kill();
            silo.Dispose();
            await demo.WaitForLineAsync(line => line.StartsWith("t=", StringComparison.Ordinal) && !line.Contains("failed=0", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            silo = await StartSiloAsync();

            Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            silo.Dispose();
        }

        var summary = SummaryRegex().Match(demo.Output);
        Assert.True(summary.Success, demo.Output);
        Assert.NotEqual("0", summary.Groups["failed"].Value);
        Assert.Contains("Silo 1 at http://127.0.0.1:", demo.Error, StringComparison.Ordinal);
        // The restarted silo answered the loops after the restart (its counters start again from 0).
        var questions = QuestionsRegex().Match(demo.Error);
        Assert.True(questions.Success, demo.Error);
        Assert.True(long.Parse(questions.Groups["questions"].Value, CultureInfo.InvariantCulture) > 0, demo.Error);
    }

    [Fact]
    public async Task Silo_with_a_bad_listen_url_or_role_is_a_one_line_error()
    {
        var path = await ControllerProcess.RunAsync(null, "silo", "--role", "inference", "--listen", "http://127.0.0.1:11111/calls");
        var role = await ControllerProcess.RunAsync(null, "silo", "--role", "gateway");

        Assert.Equal(2, path.Code);
        Assert.Equal("error: --listen takes no path or query; silo calls are served under /silo/v1/calls (got 'http://127.0.0.1:11111/calls').", path.Stderr.Trim());
        Assert.Equal(2, role.Code);
        Assert.Single(role.Stderr.Trim().Split('\n'));
        Assert.Contains("gateway", role.Stderr, StringComparison.Ordinal);
    }

    private async Task<RunningController> StartSiloAsync()
    {
        var silo = ControllerProcess.Start("silo", "--role", "inference", "--listen", $"http://127.0.0.1:{_port}", "--state-dir", _state.FullName);
        await silo.WaitForLineAsync(line => line.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        return silo;
    }

    private string[] DemoArgs(int duration) =>
    [
        "demo", "--policy", "gnn:resilient-gnn-m4-n40", "--inference-silo", $"http://127.0.0.1:{_port}", "--regions", "2", "--period", "50",
        "--duration", duration.ToString(CultureInfo.InvariantCulture), "--listen", "none", "--view", "lines", "--state-dir", _state.FullName,
    ];

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"demo summary: .*?, (?<loops>\d+) loops;.*failed loops (?<failed>\d+)")]
    private static partial Regex SummaryRegex();

    [GeneratedRegex(@"inference grain resilient-gnn-m4-n40: (?<questions>\d+) questions")]
    private static partial Regex QuestionsRegex();
}
