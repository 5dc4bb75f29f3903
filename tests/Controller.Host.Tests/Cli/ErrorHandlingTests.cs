namespace Controller.Host.Tests.Cli;

public sealed class ErrorHandlingTests
{
    [Theory]
    [InlineData("unknown scenario", "Unknown scenario 'nope'", "eval", "--scenario", "nope", "--policy", "wmmse")]
    [InlineData("unknown policy", "Unknown policy 'best'", "eval", "--scenario", "gaussian-ic", "--policy", "best")]
    [InlineData("unknown key", "Unknown setting 'colour'", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "colour=red")]
    [InlineData("NaN", "got 'NaN'; it must be a number in [-30, 60] (dB)", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "snrDb=NaN")]
    [InlineData("SNR out of range", "got '95'; it must be a number in [-30, 60]", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "snrDb=95")]
    [InlineData("negative size", "Setting 'links' of scenario 'gaussian-ic' got '-4'", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "links=-4")]
    [InlineData("negative configs", "--configs must be a whole number in [1, 1000000] (got '-3')", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--configs", "-3")]
    [InlineData("zero slots", "--slots must be a whole number", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--slots", "0")]
    [InlineData("negative seed", "--seed must be a whole number", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--seed", "-1")]
    [InlineData("not key=value", "is not of the form key=value", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "links")]
    [InlineData("warm-up eats all slots", "leave nothing to score", "eval", "--scenario", "resilient-rrm", "--policy", "wmmse", "--slots", "100")]
    [InlineData("negative burn-in", "burn-in slots must not be negative (got -1)", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--burn-in", "-1")]
    [InlineData("burn-in eats all slots", "after 0 warm-up and 10 burn-in slots", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--slots", "10", "--burn-in", "10")]
    [InlineData("bad demands length", "has 3 values", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse", "--set", "links=5", "--set", "demands=1,2,3")]
    [InlineData("missing policy", "'--policy' is required", "eval", "--scenario", "gaussian-ic")]
    [InlineData("wmmse iterations", "needs an iteration count", "eval", "--scenario", "gaussian-ic", "--policy", "wmmse:zero")]
    [InlineData("empty policy in a list", "has an empty name", "eval", "--scenario", "isac", "--policy", "isac-robust,,wmmse")]
    [InlineData("bad isac weight", "communication weight in [0, 1]", "eval", "--scenario", "isac", "--policy", "isac-robust:5:2")]
    [InlineData("isac policy off its scenario", "needs the ISAC model", "eval", "--scenario", "gaussian-ic", "--policy", "isac-robust")]
    [InlineData("isac target area", "must be below radius / sqrt 2", "eval", "--scenario", "isac", "--policy", "wmmse", "--set", "targetArea=70")]
    [InlineData("unknown reproduction", "Unknown reproduction 'table9'", "reproduce", "table9")]
    [InlineData("export unknown scenario", "Unknown scenario 'x'", "scenario", "export", "--scenario", "x", "--out", "/tmp/never-written.json")]
    public void Run_UserMistake_OneLineOnStderrAndExitCode2(string because, string expected, params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 2, $"{because}: exit code {run.ExitCode}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public void Export_UnwritableDirectory_ErrorWithoutStackTrace()
    {
        var run = CliRun.Of("scenario", "export", "--scenario", "gaussian-ic", "--configs", "1", "--out", "/nonexistent-dir/x/y.json");

        Assert.NotEqual(0, run.ExitCode);
        Assert.StartsWith("error:", run.Error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string[]> SiloMistakes()
    {
        var state = Path.Combine(Path.GetTempPath(), "controller-mistakes-" + Guid.NewGuid().ToString("N")[..8]);
        return new()
        {
            { "RAN URL not http", "--ran must be an http(s) URL", ["demo", "--ran", "ftp://127.0.0.1/x", "--listen", "none", "--silo-port", "0", "--gateway-port", "0", "--state-dir", state] },
            { "API port in use", "pick other ports", ["demo", "--listen", "http://127.0.0.1:{busy}", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--state-dir", state] },
            { "silo port in use", "pick other ports", ["demo", "--listen", "none", "--silo-port", "{busy}", "--gateway-port", "0", "--duration", "1", "--state-dir", state] },
            { "port out of range", "--silo-port must be a port number in [0, 65535]", ["demo", "--silo-port", "70000"] },
            { "join not IP:PORT", "--join must be IP:PORT", ["silo", "--role", "inference", "--join", "somewhere"] },
            { "unset blob variable", "that environment variable is not set", ["policy", "list", "--blob-from-env", "CONTROLLER_TEST_NEVER_SET"] },
            { "unset redis variable", "reads the Redis configuration string from $CONTROLLER_TEST_NEVER_SET, which is not set", ["silo", "--role", "inference", "--redis-from-env", "CONTROLLER_TEST_NEVER_SET"] },
            { "unset table variable", "reads the Azure Storage connection string from $CONTROLLER_TEST_NEVER_SET, which is not set", ["silo", "--role", "control", "--ran", "http://127.0.0.1:9", "--membership", "azure-table", "--table-from-env", "CONTROLLER_TEST_NEVER_SET"] },
            { "join with redis", "--join belongs to localhost membership", ["silo", "--role", "inference", "--membership", "redis", "--join", "127.0.0.1:11111"] },
            { "unknown membership", "zookeeper", ["silo", "--role", "inference", "--membership", "zookeeper"] },
            { "bad cluster id", "--cluster-id must be 1 to 63 letters", ["silo", "--role", "inference", "--cluster-id", "a b"] },
            { "advertise any", "--advertise must be the IP address", ["silo", "--role", "inference", "--advertise", "0.0.0.0"] },
            { "policy path", "is not an artifact name", ["eval", "--scenario", "resilient-rrm", "--policy", "gnn:/etc"] },
        };
    }

    [Theory]
    [MemberData(nameof(SiloMistakes))]
    public void Run_SiloMistake_OneLineOnStderrAndExitCode2(string because, string expected, string[] args)
    {
        // A port something else holds, for the cases that need one.
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var run = CliRun.Of([.. args.Select(a => a.Replace("{busy}", port, StringComparison.Ordinal))]);

        Assert.True(run.ExitCode == 2, $"{because}: exit code {run.ExitCode}; {run.Error}");
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis", "127.0.0.1:6379,password=hunter2-secret,nosuchkeyword=1")]
    [InlineData("redis", "password=hunter2-secret")]
    [InlineData("azure-table", "AccountKey=hunter2-secret;this is not a connection string")]
    public void Run_MalformedMembershipConnectionString_NamesTheVariableNeverTheSecret(string membership, string value)
    {
        var variable = "CONTROLLER_TEST_MEMBERSHIP_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, value);
        try
        {
            var run = CliRun.Of("silo", "--role", "inference", "--membership", membership, membership == "redis" ? "--redis-from-env" : "--table-from-env", variable);

            Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}; {run.Error}");
            var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains($"${variable}: the {membership} connection string is malformed", line, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", run.Error + run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
