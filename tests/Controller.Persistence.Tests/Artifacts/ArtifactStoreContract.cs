namespace Controller.Persistence.Tests.Artifacts;

/// <summary>What every <see cref="IArtifactStore"/> must do; run against files and against Azurite.</summary>
public abstract class ArtifactStoreContract
{
    private static readonly CancellationToken _ct = CancellationToken.None;

    protected abstract IArtifactStore NewStore();

    [Fact]
    public async Task Read_Missing_IsNull()
    {
        Assert.Null(await NewStore().ReadAsync("kind/index.json", 100, _ct));
    }

    [Fact]
    public async Task Write_FirstWithNullETag_ThenRead_GivesBytesAndTheSameETag()
    {
        var store = NewStore();

        var etag = await store.WriteAsync("kind/index.json", "v1"u8.ToArray(), null, _ct);

        var read = await store.ReadAsync("kind/index.json", 100, _ct);
        Assert.NotNull(read);
        Assert.Equal("v1"u8.ToArray(), read.Data.ToArray());
        Assert.Equal(etag, read.ETag);
    }

    [Fact]
    public async Task Write_NullETagOverAnExistingObject_Conflicts_AndKeepsIt()
    {
        var store = NewStore();
        await store.WriteAsync("kind/a/b", "first"u8.ToArray(), null, _ct);

        var error = await Assert.ThrowsAsync<ArtifactStoreConflictException>(() => store.WriteAsync("kind/a/b", "second"u8.ToArray(), null, _ct));

        Assert.Contains("kind/a/b", error.Message, StringComparison.Ordinal);
        Assert.Equal("first"u8.ToArray(), (await store.ReadAsync("kind/a/b", 100, _ct))!.Data.ToArray());
    }

    [Fact]
    public async Task Write_CurrentETag_Replaces_StaleETag_Conflicts()
    {
        var store = NewStore();
        var first = await store.WriteAsync("kind/index.json", "1"u8.ToArray(), null, _ct);
        var second = await store.WriteAsync("kind/index.json", "2"u8.ToArray(), first, _ct);

        await Assert.ThrowsAsync<ArtifactStoreConflictException>(() => store.WriteAsync("kind/index.json", "3"u8.ToArray(), first, _ct));

        Assert.NotEqual(first, second);
        var read = await store.ReadAsync("kind/index.json", 100, _ct);
        Assert.Equal("2"u8.ToArray(), read!.Data.ToArray());
        Assert.Equal(second, read.ETag);
    }

    [Fact]
    public async Task Write_ETagOfAMissingObject_Conflicts()
    {
        var store = NewStore();
        var etag = await store.WriteAsync("kind/x", "1"u8.ToArray(), null, _ct);
        await store.DeleteAsync("kind/x", _ct);

        await Assert.ThrowsAsync<ArtifactStoreConflictException>(() => store.WriteAsync("kind/x", "2"u8.ToArray(), etag, _ct));

        Assert.Null(await store.ReadAsync("kind/x", 100, _ct));
    }

    [Fact]
    public async Task Write_ConcurrentWithTheSameETag_ExactlyOneWins()
    {
        var store = NewStore();
        var etag = await store.WriteAsync("kind/index.json", "0"u8.ToArray(), null, _ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 6).Select(async i =>
        {
            try
            {
                await store.WriteAsync("kind/index.json", new[] { (byte)i }, etag, _ct);
                return true;
            }
            catch (ArtifactStoreConflictException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
    }

    [Fact]
    public async Task Read_LargerThanAllowed_ThrowsInvalidData()
    {
        var store = NewStore();
        await store.WriteAsync("kind/big", new byte[100], null, _ct);

        await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAsync("kind/big", 99, _ct));
        Assert.Equal(100, (await store.ReadAsync("kind/big", 100, _ct))!.Data.Length);
    }

    [Fact]
    public async Task Delete_RemovesOnce()
    {
        var store = NewStore();
        await store.WriteAsync("kind/x", "1"u8.ToArray(), null, _ct);

        Assert.True(await store.DeleteAsync("kind/x", _ct));
        Assert.False(await store.DeleteAsync("kind/x", _ct));
        Assert.Null(await store.ReadAsync("kind/x", 100, _ct));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("kind/../../x")]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("kind//x")]
    [InlineData(".hidden")]
    [InlineData("kind/a\\b")]
    [InlineData("kind/a b")]
    public async Task BadKeys_AreRejected(string key)
    {
        var store = NewStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(key, "1"u8.ToArray(), null, _ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(key, 100, _ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key, _ct));
    }
}
