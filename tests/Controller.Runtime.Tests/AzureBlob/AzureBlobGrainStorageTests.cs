using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

using Controller.Runtime.Tests.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

/// <summary>
/// AzureBlobGrainStorage against a real Azurite: signing, ETag concurrency, clear, names, integrity, errors.
/// The provider-neutral contract runs too, in <see cref="AzureBlobGrainStorageContractTests"/>.
/// </summary>
[Trait("Category", "Azurite")]
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class AzureBlobGrainStorageTests(AzuriteFixture azurite)
{
    private const string State = "state";
    private static readonly GrainId Cell = new("cell", "region-3/cell-17");

    // The HttpClient timeout (30 s) bounds every call; the cancellation test uses its own token.
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task ReadAsync_NothingWritten_ReturnsNull()
    {
        var storage = azurite.NewStorage();

        Assert.Null(await storage.ReadAsync(Cell, State, Ct));
    }

    [Fact]
    public async Task WriteAsync_ThenRead_RoundTripsBytesAndETag()
    {
        var storage = azurite.NewStorage();
        byte[] data = [0, 1, 2, 255, 128];

        var etag = await storage.WriteAsync(Cell, State, data, expectedETag: null, Ct);
        var stored = await storage.ReadAsync(Cell, State, Ct);

        Assert.NotNull(stored);
        Assert.Equal(data, stored.Data.ToArray());
        Assert.Equal(etag, stored.ETag);
        Assert.Equal("azure-blob", storage.Name);
    }

    [Fact]
    public async Task WriteAsync_UpdateWithCurrentETag_ReturnsNewETag()
    {
        var storage = azurite.NewStorage();
        var first = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);

        var second = await storage.WriteAsync(Cell, State, Bytes("v2"), first, Ct);

        Assert.NotEqual(first, second);
        var stored = await storage.ReadAsync(Cell, State, Ct);
        Assert.Equal("v2", Text(stored!));
        Assert.Equal(second, stored!.ETag);
    }

    [Fact]
    public async Task WriteAsync_StaleETag_ThrowsConflictAndLeavesBlob()
    {
        var storage = azurite.NewStorage();
        var first = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);
        var second = await storage.WriteAsync(Cell, State, Bytes("v2"), first, Ct);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, State, Bytes("stale"), first, Ct));

        Assert.Equal(Cell, conflict.Grain);
        Assert.Equal(storage.Describe(Cell, State), conflict.Location);
        Assert.Equal(first, conflict.ExpectedETag);
        Assert.Equal(second, conflict.ActualETag);
        var stored = await storage.ReadAsync(Cell, State, Ct);
        Assert.Equal("v2", Text(stored!));
        Assert.Equal(second, stored!.ETag);
    }

    [Fact]
    public async Task WriteAsync_NullETagOnExistingBlob_ThrowsConflictAndLeavesBlob()
    {
        var storage = azurite.NewStorage();
        var etag = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, State, Bytes("again"), null, Ct));

        Assert.Null(conflict.ExpectedETag);
        Assert.Equal(etag, conflict.ActualETag);
        Assert.Equal("v1", Text((await storage.ReadAsync(Cell, State, Ct))!));
    }

    [Fact]
    public async Task WriteAsync_ETagOnMissingBlob_ThrowsConflictAndCreatesNothing()
    {
        var storage = azurite.NewStorage();

        await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, State, Bytes("v1"), "\"0x8DEADBEEF000000\"", Ct));

        Assert.Null(await storage.ReadAsync(Cell, State, Ct));
    }

    [Fact]
    public async Task WriteAsync_TwoWritersWithSameETag_ExactlyOneWins()
    {
        const int Writers = 8;
        var storage = azurite.NewStorage();
        var etag = await storage.WriteAsync(Cell, State, Bytes("initial"), null, Ct);
        var results = await StorageRace.RunAsync(Writers, writer => storage.WriteAsync(Cell, State, Bytes($"writer-{writer}"), etag, Ct));

        var winner = Assert.Single(results, r => r.ETag is not null);
        var stored = await storage.ReadAsync(Cell, State, Ct);
        Assert.Equal($"writer-{winner.Writer}", Text(stored!));
        Assert.Equal(winner.ETag, stored!.ETag);
    }

    [Fact]
    public async Task WriteAsync_ConcurrentFirstWrites_ExactlyOneWins()
    {
        const int Writers = 8;
        var storage = azurite.NewStorage();
        await storage.ReadAsync(Cell, State, Ct); // creates the container, so the writers race only on the blob
        var results = await StorageRace.RunAsync(Writers, writer => storage.WriteAsync(Cell, State, Bytes($"writer-{writer}"), null, Ct));

        var winner = Assert.Single(results, r => r.ETag is not null);
        var stored = await storage.ReadAsync(Cell, State, Ct);
        Assert.Equal($"writer-{winner.Writer}", Text(stored!));
        Assert.Equal(winner.ETag, stored!.ETag);
    }

    [Fact]
    public async Task ClearAsync_AbsentWithNullETag_IsNoOp()
    {
        var storage = azurite.NewStorage();

        await storage.ClearAsync(Cell, State, null, Ct);

        Assert.Null(await storage.ReadAsync(Cell, State, Ct));
    }

    [Fact]
    public async Task ClearAsync_CurrentETag_DeletesAndAllowsFirstWriteAgain()
    {
        var storage = azurite.NewStorage();
        var etag = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);

        await storage.ClearAsync(Cell, State, etag, Ct);

        Assert.Null(await storage.ReadAsync(Cell, State, Ct));
        var again = await storage.WriteAsync(Cell, State, Bytes("v2"), null, Ct);
        Assert.NotEqual(etag, again);
    }

    [Fact]
    public async Task ClearAsync_NullETagOnExistingBlob_ThrowsConflictAndKeepsBlob()
    {
        var storage = azurite.NewStorage();
        var etag = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, State, null, Ct));

        Assert.Equal(etag, conflict.ActualETag);
        Assert.Equal("v1", Text((await storage.ReadAsync(Cell, State, Ct))!));
    }

    [Fact]
    public async Task ClearAsync_StaleETag_ThrowsConflictAndKeepsBlob()
    {
        var storage = azurite.NewStorage();
        var first = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);
        var second = await storage.WriteAsync(Cell, State, Bytes("v2"), first, Ct);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, State, first, Ct));

        Assert.Equal(second, conflict.ActualETag);
        Assert.Equal("v2", Text((await storage.ReadAsync(Cell, State, Ct))!));
    }

    [Fact]
    public async Task ClearAsync_ETagOnAbsentBlob_ThrowsConflict()
    {
        var storage = azurite.NewStorage();
        var etag = await storage.WriteAsync(Cell, State, Bytes("v1"), null, Ct);
        await storage.ClearAsync(Cell, State, etag, Ct);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, State, etag, Ct));

        Assert.Null(conflict.ActualETag);
    }

    [Fact]
    public async Task WriteAsync_AwkwardKeys_RoundTripSeparately()
    {
        var storage = azurite.NewStorage();
        string[] keys = ["region-3/cell-17", "with space", "ünïcødé/セル/😀", "a/b", "a~2Fb", "a%2Fb", "", ".", "..", "trailing.", "q?x=1&y#z", "back\\slash"];

        foreach (var key in keys)
        {
            await storage.WriteAsync(new GrainId("cell", key), State, Bytes("key:" + key), null, Ct);
        }

        foreach (var key in keys)
        {
            var stored = await storage.ReadAsync(new GrainId("cell", key), State, Ct);
            Assert.Equal("key:" + key, Text(stored!));
            Assert.True(Uri.IsWellFormedUriString(storage.Describe(new GrainId("cell", key), State), UriKind.Absolute));
        }
    }

    [Fact]
    public async Task Describe_GivesBlobUrlUnderContainer()
    {
        var storage = azurite.NewStorage();

        var url = storage.Describe(Cell, State);

        Assert.Equal($"{azurite.BlobEndpoint}/{storage.ContainerName}/cell/region-3~2Fcell-17/state", url);
        await storage.WriteAsync(Cell, State, Bytes("x"), null, Ct);
        using var response = await SendRawAsync(HttpMethod.Head, url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_WrongAccountKey_ThrowsForbiddenNamingGrainUrlAndCodeButNotKey()
    {
        var wrongKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("definitely-not-the-azurite-key-0123456789"));
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={azurite.BlobEndpoint}";
        var storage = new AzureBlobGrainStorage(connection, AzuriteFixture.NewContainerName(), azurite.HttpClient);

        var error = await Assert.ThrowsAsync<AzureBlobStorageException>(() => storage.ReadAsync(Cell, State, Ct));

        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.False(string.IsNullOrEmpty(error.ErrorCode));
        Assert.Contains("HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.ErrorCode!, error.Message, StringComparison.Ordinal);
        Assert.Contains(Cell.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(storage.Describe(Cell, State), error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_NothingListening_ThrowsNamingGrainAndUrl()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var connection = $"AccountName=devstoreaccount1;AccountKey={AzuriteFixture.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1";
        var storage = new AzureBlobGrainStorage(connection, "grains", http);

        var error = await Assert.ThrowsAsync<AzureBlobStorageException>(() => storage.WriteAsync(Cell, State, Bytes("x"), null, Ct));

        Assert.Null(error.StatusCode);
        Assert.Contains(Cell.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(storage.Describe(Cell, State), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BlobReplacedWithoutHashMetadata_ThrowsCorruptAndKeepsBlob()
    {
        var storage = azurite.NewStorage();
        await storage.WriteAsync(Cell, State, Bytes("good"), null, Ct);
        var url = storage.Describe(Cell, State);
        using (var tamper = await SendRawAsync(HttpMethod.Put, url, Bytes("tampered")))
        {
            Assert.Equal(HttpStatusCode.Created, tamper.StatusCode);
        }

        var error = await Assert.ThrowsAsync<CorruptStateException>(() => storage.ReadAsync(Cell, State, Ct));

        AssertNamesGrainAndUrl(error, url);
        Assert.Contains("x-ms-meta-sha256", error.Message, StringComparison.Ordinal);
        using var stillThere = await SendRawAsync(HttpMethod.Get, url);
        Assert.Equal("tampered", await stillThere.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ReadAsync_ContentChangedUnderOldHash_ThrowsCorruptAndKeepsBlob()
    {
        var storage = azurite.NewStorage();
        await storage.WriteAsync(Cell, State, Bytes("good"), null, Ct);
        var url = storage.Describe(Cell, State);
        var oldHash = Convert.ToBase64String(SHA256.HashData(Bytes("good")));
        using (var tamper = await SendRawAsync(HttpMethod.Put, url, Bytes("evil"), ("x-ms-meta-sha256", oldHash)))
        {
            Assert.Equal(HttpStatusCode.Created, tamper.StatusCode);
        }

        var error = await Assert.ThrowsAsync<CorruptStateException>(() => storage.ReadAsync(Cell, State, Ct));

        AssertNamesGrainAndUrl(error, url);
        Assert.Contains("does not match", error.Message, StringComparison.Ordinal);
        using var stillThere = await SendRawAsync(HttpMethod.Get, url);
        Assert.Equal("evil", await stillThere.Content.ReadAsStringAsync(Ct));
    }

    private static void AssertNamesGrainAndUrl(CorruptStateException error, string url)
    {
        Assert.Equal(Cell, error.Grain);
        Assert.Equal(url, error.Location);
        Assert.Contains(Cell.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A correctly signed request that bypasses AzureBlobGrainStorage, as another tool would send.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string url, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.ContentLength = body.Length;
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", AzureBlobGrainStorage.ServiceVersion);
        var connection = AzureBlobConnectionString.Parse(azurite.ConnectionString);
        new AzureBlobSharedKeySigner(connection.AccountName, connection.AccountKey).Sign(request);
        using (request)
        {
            return await azurite.HttpClient.SendAsync(request, Ct);
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(StoredState state) => Encoding.UTF8.GetString(state.Data.Span);
}
