using Azure.Storage.Blobs;
using Controller.Persistence.Tests.Support;

namespace Controller.Persistence.Tests.Artifacts;

[Trait("Category", "Azurite")]
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class BlobArtifactStoreTests(AzuriteFixture azurite) : ArtifactStoreContract
{
    protected override IArtifactStore NewStore() => new BlobArtifactStore(azurite.NewContainer());

    [Fact]
    public async Task Location_IsTheBlobUrl_WithoutCredentials()
    {
        var store = NewStore();
        await store.WriteAsync("policy/index.json", "{}"u8.ToArray(), null, CancellationToken.None);

        Assert.StartsWith("http://127.0.0.1:", store.Describe("policy/index.json"), StringComparison.Ordinal);
        Assert.EndsWith("/policy/index.json", store.Describe("policy/index.json"), StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, store.Location, StringComparison.Ordinal);
    }
}

[Trait("Category", "Azurite")]
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class BlobArtifactRegistryTests(AzuriteFixture azurite) : ArtifactRegistryContract
{
    protected override IArtifactStore NewStore() => new BlobArtifactStore(azurite.NewContainer());

    protected override IArtifactStore Reopen(IArtifactStore store)
    {
        var container = new Uri(store.Location).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
        return new BlobArtifactStore(new BlobContainerClient(azurite.ConnectionString, container));
    }

    [Fact]
    public async Task OpenBlob_WithAConnectionString_ImportsAndReadsBack_AndNamesNoSecret()
    {
        var container = AzuriteFixture.NewContainerName();
        var registry = ArtifactRegistry.OpenBlob(azurite.ConnectionString, container, "policy");

        await registry.ImportAsync("p", Files(("w", [5, 6])), Meta(), false, CancellationToken.None);

        var again = ArtifactRegistry.OpenBlob(azurite.ConnectionString, container, "policy");
        Assert.Equal([5, 6], (await again.ReadFilesAsync("p", CancellationToken.None))[0].Value);
        Assert.Contains($"/{container}/policy/index.json", registry.Location, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, registry.Location, StringComparison.Ordinal);
    }
}

public sealed class BlobConnectionStringTests
{
    private const string Secret = "c2VjcmV0LWtleS1kby1ub3QtbGVhaw==";

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=not base64 secret!!;EndpointSuffix=core.windows.net", "not base64 secret!!")]
    [InlineData("AccountName=acct;AccountKey=" + Secret + ";garbage-" + Secret, Secret)]
    [InlineData("just-a-secret-" + Secret, Secret)]
    [InlineData("AccountKey=" + Secret, Secret)]
    [InlineData("DefaultEndpointsProtocol=https;AccountKey=" + Secret + ";BlobEndpoint=not a url", Secret)]
    public void OpenBlob_MalformedConnectionString_ThrowsArgumentException_WithoutEchoingTheSecret(string connectionString, string secret)
    {
        var error = Assert.Throws<ArgumentException>(() => ArtifactRegistry.OpenBlob(connectionString, "controller", "policy"));

        Assert.Equal("connectionString", error.ParamName);
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("acct", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void OpenBlob_EmptyConnectionString_ThrowsArgumentException(string connectionString)
    {
        Assert.Throws<ArgumentException>(() => ArtifactRegistry.OpenBlob(connectionString, "controller", "policy"));
    }

    [Theory]
    [InlineData("Controller")]
    [InlineData("ab")]
    [InlineData("a--b")]
    [InlineData("-ab")]
    [InlineData("a_b")]
    public void OpenBlob_InvalidContainerName_ThrowsArgumentException(string container)
    {
        var error = Assert.Throws<ArgumentException>(() => ArtifactRegistry.OpenBlob("UseDevelopmentStorage=true", container, "policy"));

        Assert.Equal("container", error.ParamName);
    }

    [Fact]
    public void OpenBlob_DevelopmentStorage_IsAccepted_WithoutNetwork()
    {
        var registry = ArtifactRegistry.OpenBlob("UseDevelopmentStorage=true", "controller", "policy");

        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/controller/policy/index.json", registry.Location);
    }
}
