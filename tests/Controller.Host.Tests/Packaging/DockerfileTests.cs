using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Packaging;

/// <summary>
/// No Docker engine runs here, so the image is not built in CI; these checks keep the Dockerfile's restore layer in step
/// with the projects the executable is built from (a deleted or new project is the usual way it breaks).
/// </summary>
public sealed partial class DockerfileTests
{
    [Fact]
    public void Restore_Layer_Copies_Exactly_The_Projects_The_Host_Depends_On()
    {
        var root = RepositoryRoot();
        var dockerfile = File.ReadAllText(Path.Combine(root, "Dockerfile"));
        var copied = CopiedProject().Matches(dockerfile).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var needed = ProjectClosure(Path.Combine(root, "src", "Controller.Host", "Controller.Host.csproj"))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(needed.Except(copied));
        Assert.Empty(copied.Except(needed));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
        {
            Assert.Contains(file, dockerfile, StringComparison.Ordinal);
        }
    }

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

    private static string RepositoryRoot()
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

    [GeneratedRegex(@"^COPY (src/[^\s]+\.csproj) ", RegexOptions.Multiline)]
    private static partial Regex CopiedProject();

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();
}
