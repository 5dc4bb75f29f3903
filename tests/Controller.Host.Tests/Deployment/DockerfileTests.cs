using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Deployment;

/// <summary>
/// No Docker engine runs here, so the image is not built in CI. The Dockerfile is parsed and linted instead
/// (dockerfile-ast and dockerfile-utils from npm, read-dockerfile.mjs), and held to this project's rules: .NET 10 base
/// images, a linux-x64 publish, a non-root final stage, a working HEALTHCHECK, COPY sources that exist, the controller
/// as ENTRYPOINT, and a restore layer in step with the projects the executable is built from.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string DockerfilePath = Path.Combine(DeploymentTools.RepositoryRoot, "Dockerfile");

    private static readonly Lazy<JsonObject> Parsed = new(() => DeploymentTools.ReadDockerfile(DockerfilePath));

    private static List<JsonNode> Instructions => [.. Parsed.Value["instructions"]!.AsArray().Select(i => i!)];

    private static int FinalStage => Parsed.Value["stages"]!.AsArray().Count - 1;

    [Fact]
    public void Lint_Dockerfile_HasNoDiagnostics()
    {
        var diagnostics = Parsed.Value["diagnostics"]!.AsArray()
            .Select(d => $"line {d!["line"]}: {d["message"]}")
            .ToList();

        Assert.True(diagnostics.Count == 0, string.Join(Environment.NewLine, diagnostics));
        Assert.True(Instructions.Count > 0);
    }

    [Fact]
    public void Lint_BrokenDockerfile_IsReported()
    {
        // The linter must be able to fail: an unknown instruction and a HEALTHCHECK with a bad flag.
        var broken = Path.Combine(Path.GetTempPath(), $"Dockerfile.{Guid.NewGuid():N}");
        File.WriteAllText(broken, "FROM mcr.microsoft.com/dotnet/aspnet:10.0\nCOPPY a b\nHEALTHCHECK --intervall=5s CMD true\n");
        try
        {
            var diagnostics = DeploymentTools.ReadDockerfile(broken)["diagnostics"]!.AsArray();

            Assert.Contains(diagnostics, d => d!["line"]!.GetValue<int>() == 2);
            Assert.Contains(diagnostics, d => d!["line"]!.GetValue<int>() == 3);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Stages_AreOnTheDotnet10Images_BuildOnSdkRunOnAspnet()
    {
        var stages = Parsed.Value["stages"]!.AsArray().Select(s => s!["image"]!.GetValue<string>()).ToList();

        Assert.All(stages, image => Assert.Matches(@"^mcr\.microsoft\.com/dotnet/[a-z]+:10\.0$", image));
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", stages[0]);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", stages[^1]);
    }

    [Fact]
    public void FinalStage_RunsAsANonRootUser()
    {
        var users = Instructions.Where(i => Stage(i) == FinalStage && Keyword(i) == "USER").ToList();

        Assert.NotEmpty(users);
        var user = Arguments(users[^1]).Single();
        Assert.DoesNotMatch(@"^(root|0)(:.*)?$", user);
    }

    [Fact]
    public void Publish_IsLinuxX64Only_AndTheEntrypointIsTheController()
    {
        var runs = Instructions.Where(i => Keyword(i) == "RUN").Select(i => string.Join(' ', Arguments(i))).ToList();
        var publish = Assert.Single(runs, r => r.Contains("dotnet publish", StringComparison.Ordinal));
        var restore = Assert.Single(runs, r => r.Contains("dotnet restore", StringComparison.Ordinal));

        Assert.Matches(@"(--runtime|-r) linux-x64\b", publish);
        Assert.Matches(@"(--runtime|-r) linux-x64\b", restore);
        Assert.Contains("--self-contained false", publish, StringComparison.Ordinal);
        var output = PublishOutput().Match(publish);
        Assert.True(output.Success, "dotnet publish has no -o DIRECTORY");

        // The final stage copies the publish output and runs the Host's assembly (AssemblyName controller) in exec form.
        var host = File.ReadAllText(Path.Combine(DeploymentTools.RepositoryRoot, "src", "Controller.Host", "Controller.Host.csproj"));
        Assert.Contains("<AssemblyName>controller</AssemblyName>", host, StringComparison.Ordinal);
        var entrypoints = Instructions.Where(i => Keyword(i) == "ENTRYPOINT").ToList();
        var entrypoint = Assert.Single(entrypoints);
        Assert.Equal(FinalStage, Stage(entrypoint));
        var exec = entrypoint["json"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Equal(["dotnet", output.Groups[1].Value.TrimEnd('/') + "/controller.dll"], exec);
        Assert.Contains(Instructions, i => Stage(i) == FinalStage && Keyword(i) == "COPY"
            && i["flags"]!["from"]?.GetValue<string>() is not null && Arguments(i)[0] == output.Groups[1].Value);
    }

    [Fact]
    public void CopySources_ExistInTheRepository()
    {
        var copies = Instructions.Where(i => Keyword(i) is "COPY" or "ADD" && i["flags"]!["from"] is null).ToList();

        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            foreach (var source in Arguments(copy).SkipLast(1))
            {
                var path = Path.Combine(DeploymentTools.RepositoryRoot, source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"line {copy["line"]}: COPY source {source} does not exist");
            }
        }
    }

    [Fact]
    public void Restore_Layer_Copies_Exactly_The_Projects_The_Host_Depends_On()
    {
        var root = DeploymentTools.RepositoryRoot;
        var copied = Instructions.Where(i => Keyword(i) == "COPY")
            .SelectMany(i => Arguments(i).SkipLast(1))
            .Where(source => source.EndsWith(".csproj", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        var needed = ProjectClosure(Path.Combine(root, "src", "Controller.Host", "Controller.Host.csproj"))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(needed.Except(copied));
        Assert.Empty(copied.Except(needed));
        var buildFiles = Instructions.Where(i => Keyword(i) == "COPY").SelectMany(Arguments).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json"], StringComparer.Ordinal), buildFiles);
    }

    [Fact]
    public async Task HealthCheck_IsHealthyOnlyWhenHealthzAnswers200()
    {
        var healthcheck = Assert.Single(Instructions, i => Keyword(i) == "HEALTHCHECK");
        Assert.Equal(FinalStage, Stage(healthcheck));
        var raw = LineContinuation().Replace(healthcheck["raw"]!.GetValue<string>(), " ");
        var exec = JsonNode.Parse(raw[(raw.IndexOf("CMD", StringComparison.Ordinal) + 3)..])!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Equal(["bash", "-c"], exec[..2]);

        // The image's check, run here by bash against a loopback server standing in for the silo.
        var (healthy, request) = await RunHealthCheckAsync(exec[2], "200 OK");
        var (failing, _) = await RunHealthCheckAsync(exec[2], "503 Service Unavailable");

        Assert.StartsWith("GET /healthz HTTP/1.1", request, StringComparison.Ordinal);
        Assert.Equal(0, healthy);
        Assert.NotEqual(0, failing);
    }

    private static async Task<(int ExitCode, string Request)> RunHealthCheckAsync(string script, string status)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(cancellation.Token);
            using var stream = client.GetStream();
            // Read the whole request head before answering: closing with unread bytes sends a reset, and the check's
            // read would then fail whatever the status (bash may write the request in more than one segment).
            var buffer = new byte[4096];
            var read = 0;
            while (read < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var got = await stream.ReadAsync(buffer.AsMemory(read), cancellation.Token);
                if (got == 0)
                {
                    break;
                }

                read += got;
            }

            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(response, cancellation.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        });

        var result = await Task.Run(() => DeploymentTools.Run("env", [$"CONTROLLER_HEALTH_PORT={port}", "bash", "-c", script], standardInput: null));
        return (result.ExitCode, await serve);
    }

    private static int Stage(JsonNode instruction) => instruction["stage"]!.GetValue<int>();

    private static string Keyword(JsonNode instruction) => instruction["keyword"]!.GetValue<string>();

    private static List<string> Arguments(JsonNode instruction) =>
        [.. instruction["arguments"]!.AsArray().Select(a => a!.GetValue<string>())];

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(current)))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, reference.Groups[1].Value)));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"dotnet publish .*?\s(?:-o|--output)\s+(\S+)")]
    private static partial Regex PublishOutput();

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex LineContinuation();
}
