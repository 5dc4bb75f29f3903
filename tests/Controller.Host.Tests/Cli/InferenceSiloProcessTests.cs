using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// The inference silo as a process of its own (<c>controller silo --role inference --join</c>) joining a demo's
/// Orleans cluster (the demo's silo is the first one), both real child processes on loopback.
/// </summary>
[Trait("Category", "Process")]
public sealed partial class InferenceSiloProcessTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("inference-silo-");
    private readonly int _port = FreePort();

    public void Dispose() => _state.Delete(recursive: true);

    [Fact]
    public async Task An_inference_silo_joins_the_demo_cluster_and_both_stop_cleanly()
    {
        // The demo runs until stopped (a fixed duration raced the inference silo's start on a loaded machine).
        using var demo = ControllerProcess.Start(DemoArgs(duration: 0));
        await demo.WaitForLineAsync(line => line.Contains("Orleans silo on", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var silo = ControllerProcess.Start("silo", "--role", "inference", "--join", $"127.0.0.1:{_port}", "--state-dir", _state.FullName + "-silo");
        await silo.WaitForLineAsync(line => line.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        // Loops go on for a while with the inference silo in the cluster, then the demo is stopped (SIGTERM, as Ctrl+C).
        await Task.Delay(TimeSpan.FromSeconds(3));
        demo.Terminate();

        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var summary = SummaryRegex().Match(demo.Output);
        Assert.True(summary.Success, demo.Output);
        Assert.True(long.Parse(summary.Groups["loops"].Value, CultureInfo.InvariantCulture) > 0, demo.Output);
        Assert.Equal("0", summary.Groups["failed"].Value);
        var questions = QuestionsRegex().Match(demo.Error);
        Assert.True(questions.Success, demo.Error);
        silo.Kill();
    }

    [Fact]
    public async Task Silo_with_a_bad_join_address_or_role_is_a_one_line_error()
    {
        var join = await ControllerProcess.RunAsync(null, "silo", "--role", "inference", "--join", "localhost");
        var role = await ControllerProcess.RunAsync(null, "silo", "--role", "gateway");

        Assert.Equal(2, join.Code);
        Assert.Equal("error: --join must be IP:PORT of the cluster's first silo, such as 127.0.0.1:11111 (got 'localhost').", join.Stderr.Trim());
        Assert.Equal(2, role.Code);
        Assert.Single(role.Stderr.Trim().Split('\n'));
        Assert.Contains("gateway", role.Stderr, StringComparison.Ordinal);
    }

    private string[] DemoArgs(int duration) =>
    [
        "demo", "--policy", "gnn:resilient-gnn-m4-n40", "--silo-port", _port.ToString(CultureInfo.InvariantCulture), "--gateway-port", "0", "--regions", "2", "--period", "50",
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
