using System.Globalization;
using System.Text.RegularExpressions;
using Controller.Persistence.Tests.Support;

namespace Controller.Host.Tests.Cli;

/// <summary><c>controller demo --blob-from-env VAR</c>: grain state in Azure Blob Storage (Orleans' provider) on a real Azurite.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed partial class DemoBlobStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Demo_keeps_grain_state_in_blobs_as_plain_json_and_resumes_from_them()
    {
        var variable = "CONTROLLER_TEST_BLOB_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, azurite.ConnectionString);
        var container = AzuriteFixture.NewContainerName();
        var directory = Directory.CreateTempSubdirectory("demo-blob-");
        try
        {
            string[] args = ["demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "2", "--regions", "1", "--period", "20", "--listen", "none", "--view", "lines", "--state-dir", directory.FullName, "--blob-from-env", variable, "--container", container];
            var first = CliRun.Of(args);
            Assert.True(first.ExitCode == 0, first.Error);
            Assert.DoesNotContain(AzuriteFixture.AccountKey, first.Error + first.Output, StringComparison.Ordinal);

            azurite.EnsureRunning();
            var blobs = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, container);
            var names = new List<string>();
            await foreach (var item in blobs.GetBlobsAsync())
            {
                names.Add(item.Name);
            }

            var userBlob = Assert.Single(names, n => n.Contains("r000/u003", StringComparison.Ordinal) || n.Contains("r000%2Fu003", StringComparison.Ordinal));
            var json = (await blobs.GetBlobClient(userBlob).DownloadContentAsync()).Value.Content.ToString();
            Assert.Contains("\"RateAverage\"", json, StringComparison.Ordinal);
            Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(directory.FullName, "*.state", SearchOption.AllDirectories));

            var second = CliRun.Of(args);
            Assert.True(second.ExitCode == 0, second.Error);
            // Region iterations continue from the count stored in the region's blob.
            Assert.True(Loops(second.Output) > Loops(first.Output), first.Output + second.Output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_with_a_malformed_connection_string_is_one_line_without_the_secret()
    {
        var variable = "CONTROLLER_TEST_BLOB_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "AccountName=x;AccountKey=c2VjcmV0LWtleQ==;BlobEndpoint=not a url");
        try
        {
            var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--blob-from-env", variable, "--state-dir", Path.Combine(Path.GetTempPath(), "demo-blob-bad-" + variable));

            Assert.Equal(2, run.ExitCode);
            Assert.Single(run.Error.Trim().Split('\n'));
            Assert.DoesNotContain("c2VjcmV0LWtleQ", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Demo_on_an_unreachable_blob_endpoint_stops_at_once_with_one_line_naming_it()
    {
        var port = ClosedLoopbackPort();
        var variable = "CONTROLLER_TEST_BLOB_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};BlobEndpoint=http://127.0.0.1:{port}/{AzuriteFixture.AccountName};");
        var directory = Directory.CreateTempSubdirectory("demo-blob-down-");
        try
        {
            var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--blob-from-env", variable, "--container", "down", "--state-dir", directory.FullName);

            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Error.Trim().Split('\n'));
            Assert.StartsWith($"error: cannot reach Azure Blob Storage at http://127.0.0.1:{port}/{AzuriteFixture.AccountName}/down", line, StringComparison.Ordinal);
            Assert.DoesNotContain("silo port", line, StringComparison.Ordinal);
            Assert.DoesNotContain(AzuriteFixture.AccountKey, run.Error + run.Output, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory.FullName));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_with_a_wrong_account_key_says_the_credentials_were_refused()
    {
        var variable = "CONTROLLER_TEST_BLOB_" + Guid.NewGuid().ToString("N")[..8];
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        Environment.SetEnvironmentVariable(variable, azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal));
        var directory = Directory.CreateTempSubdirectory("demo-blob-key-");
        try
        {
            var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--blob-from-env", variable, "--container", AzuriteFixture.NewContainerName(), "--state-dir", directory.FullName);

            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Error.Trim().Split('\n'));
            Assert.Contains("refused the account's credentials (403", line, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongKey, run.Error + run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            directory.Delete(recursive: true);
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long Loops(string output)
    {
        var match = SummaryRegex().Match(output);
        Assert.True(match.Success, output);
        return long.Parse(match.Groups["loops"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"demo summary: .*?, (?<loops>\d+) loops;")]
    private static partial Regex SummaryRegex();
}
