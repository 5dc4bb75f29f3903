using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Controller.Benchmarks;

/// <summary>
/// The one configuration of the suite, pinned so that runs compare: one launch, fixed warm-up and
/// measured iteration counts and a fixed iteration time instead of BenchmarkDotNet's adaptive
/// defaults (which pick counts per case and make a full run several times longer), plus the median.
/// Every benchmark class carries it with <c>[Config]</c> and adds <c>[MemoryDiagnoser]</c>; loggers and
/// exporters are BenchmarkDotNet's defaults. The whole suite runs in about two minutes on two cores.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    /// <summary>Builds the pinned job, the median column and the results folder.</summary>
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Pinned"));
        AddColumn(StatisticColumn.Median);
        WithArtifactsPath(ProjectArtifactsPath() ?? DefaultConfig.Instance.ArtifactsPath);
    }

    // The csproj records its own folder, so results land there (git-ignored) from any working directory.
    private static string? ProjectArtifactsPath() => typeof(BenchmarkConfig).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "BenchmarkArtifactsPath")?.Value;
}
