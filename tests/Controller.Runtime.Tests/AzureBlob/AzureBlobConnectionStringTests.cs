using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

// Pure parsing tests: no Azurite process, but they carry the trait so that "--filter Category=Azurite"
// runs everything about the blob storage.
public sealed class AzureBlobConnectionStringTests
{
    private const string Key = "c2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5YWJjZGVm";

    [Fact]
    public void Parse_UseDevelopmentStorage_GivesAzuriteWellKnownAccount()
    {
        var connection = AzureBlobConnectionString.Parse("UseDevelopmentStorage=true");

        Assert.True(connection.IsDevelopmentStorage);
        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), connection.BlobEndpoint);
        Assert.Equal(Convert.FromBase64String(AzuriteFixture.DevelopmentAccountKey), connection.AccountKey.ToArray());
    }

    [Fact]
    public void Parse_ExplicitBlobEndpoint_UsesItAndKeepsKeyWithPadding()
    {
        var connection = AzureBlobConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteFixture.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:10123/devstoreaccount1/;");

        Assert.False(connection.IsDevelopmentStorage);
        Assert.Equal(new Uri("http://127.0.0.1:10123/devstoreaccount1"), connection.BlobEndpoint);
        Assert.Equal(Convert.FromBase64String(AzuriteFixture.DevelopmentAccountKey), connection.AccountKey.ToArray());
    }

    [Fact]
    public void Parse_AccountWithSuffix_BuildsPublicEndpoint()
    {
        var connection = AzureBlobConnectionString.Parse($"accountname=ranstate01;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://ranstate01.blob.core.chinacloudapi.cn"), connection.BlobEndpoint);
    }

    [Fact]
    public void Parse_NoProtocolOrSuffix_DefaultsToHttpsOnCoreWindowsNet()
    {
        var connection = AzureBlobConnectionString.Parse($"AccountName=ranstate01;AccountKey={Key}");

        Assert.Equal(new Uri("https://ranstate01.blob.core.windows.net"), connection.BlobEndpoint);
    }

    [Theory]
    [InlineData("AccountName=ranstate01;EndpointSuffix=core.windows.net", "AccountKey is missing")]
    [InlineData("AccountName=ranstate01;AccountKey=", "AccountKey is missing")]
    [InlineData("AccountKey=" + Key, "AccountName is missing")]
    [InlineData("AccountName=Ran_State;AccountKey=" + Key, "AccountName 'Ran_State' is not a storage account name")]
    [InlineData("AccountName=ranstate01;AccountKey=" + Key + ";DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol must be 'http' or 'https'")]
    [InlineData("AccountName=ranstate01;AccountKey=" + Key + ";BlobEndpoint=not a url", "BlobEndpoint 'not a url' is not an absolute")]
    [InlineData("AccountName=ranstate01;AccountName=other;AccountKey=" + Key, "AccountName appears more than once")]
    [InlineData("UseDevelopmentStorage=yes", "UseDevelopmentStorage must be 'true' or 'false'")]
    [InlineData("", "it is empty")]
    [InlineData("AccountName=ranstate01;SharedAccessSignature=sv=2021", "SharedAccessSignature is not supported")]
    public void Parse_Malformed_ThrowsNamingThePart(string connectionString, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AzureBlobConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid Azure Storage connection string", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccountName=ranstate01;AccountKey=not*base64!;BlobEndpoint=http://127.0.0.1:1/x", "not*base64!")]
    [InlineData("AccountName=ranstate01;" + Key, Key)]
    [InlineData("AccountName=ranstate01;AccountKey=" + Key + ";BlobEndpoint=ftp://x", Key)]
    [InlineData("AccountName=UPPER;AccountKey=" + Key, Key)]
    public void Parse_Malformed_NeverEchoesTheKey(string connectionString, string secret)
    {
        var error = Assert.Throws<ArgumentException>(() => AzureBlobConnectionString.Parse(connectionString));

        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_RedactsTheKey()
    {
        var connection = AzureBlobConnectionString.Parse($"AccountName=ranstate01;AccountKey={Key}");

        Assert.DoesNotContain(Key, connection.ToString(), StringComparison.Ordinal);
        Assert.Contains("AccountKey=(redacted)", connection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Grains")]
    [InlineData("grain--state")]
    [InlineData("-grains")]
    [InlineData("grains-")]
    public void Constructor_InvalidContainerName_Throws(string containerName)
    {
        using var http = new HttpClient();

        var error = Assert.Throws<ArgumentException>(() => new AzureBlobGrainStorage("UseDevelopmentStorage=true", containerName, http));

        Assert.Contains(containerName, error.Message, StringComparison.Ordinal);
    }
}
