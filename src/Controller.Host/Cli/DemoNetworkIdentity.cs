using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Controller.Ran.Contract;

namespace Controller.Host.Cli;

/// <summary>
/// Which network a demo's state directory belongs to. Region, cell and user grains are keyed by ids such as
/// <c>r000/u003</c> that every network reuses, so state saved by a demo of one network (scenario, sizes, association)
/// would be resumed by a demo of another: a region would come back with a policy or user state that does not fit.
/// The first demo records its network in <c>.network.json</c>; a later demo of another network is refused before it
/// touches anything.
/// </summary>
internal static class DemoNetworkIdentity
{
    public const string FileName = ".network.json";

    /// <summary>
    /// Records <paramref name="topology"/> as the network of <paramref name="directory"/>, or checks that it is the one
    /// recorded; throws <see cref="CliUsageException"/> naming both networks when it is not.
    /// </summary>
    public static void RecordOrCheck(string directory, RanTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var path = Path.Combine(directory, FileName);
        var fingerprint = Fingerprint(topology);
        var summary = Summary(topology);
        if (File.Exists(path))
        {
            var (recordedFingerprint, recordedSummary) = Read(path);
            if (!string.Equals(recordedFingerprint, fingerprint, StringComparison.Ordinal))
            {
                var suggestion = Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory)) ?? directory, $"demo-{string.Join('-', topology.Regions.Select(r => r.Scenario).Distinct(StringComparer.Ordinal))}");
                throw new CliUsageException(
                    $"The state in {directory} belongs to another network ({recordedSummary}); this demo runs {summary}. Give it a --state-dir of its own (for example {suggestion}), or remove {directory} to start over.");
            }

            return;
        }

        Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new Dictionary<string, string> { ["fingerprint"] = fingerprint, ["network"] = summary }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>"resilient-rrm: 8 regions, 32 cells, 320 users".</summary>
    internal static string Summary(RanTopology topology)
    {
        var scenarios = string.Join(", ", topology.Regions.Select(r => r.Scenario).Distinct(StringComparer.Ordinal));
        return string.Create(CultureInfo.InvariantCulture,
            $"{scenarios}: {topology.Regions.Count} regions, {topology.Regions.Sum(r => r.CellIds.Count)} cells, {topology.Regions.Sum(r => r.UserIds.Count)} users");
    }

    /// <summary>SHA-256 of every region's scenario, cell ids, user ids and association, in order.</summary>
    internal static string Fingerprint(RanTopology topology)
    {
        var text = new StringBuilder();
        foreach (var region in topology.Regions)
        {
            text.Append(region.RegionId).Append('|').Append(region.Scenario).Append('|')
                .AppendJoin(',', region.CellIds).Append('|')
                .AppendJoin(',', region.UserIds).Append('|')
                .AppendJoin(',', region.ServingCell).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static (string Fingerprint, string Summary) Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return (document.RootElement.GetProperty("fingerprint").GetString() ?? string.Empty,
                document.RootElement.TryGetProperty("network", out var network) ? network.GetString() ?? "unknown" : "unknown");
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliUsageException($"{path} is not a demo's network record ({exception.Message}); remove it to let the demo record its network again.");
        }
    }
}
