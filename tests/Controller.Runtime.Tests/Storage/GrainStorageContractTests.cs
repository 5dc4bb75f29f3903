using System.Text;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.Storage;

/// <summary>
/// The <see cref="IGrainStorage"/> contract, run against every provider through <see cref="CreateStorage"/>:
/// compare-and-swap on ETags, fresh ETags per write, isolation of keys.
/// </summary>
public abstract class GrainStorageContractTests
{
    private const string StateName = "state";
    private static readonly GrainId Cell = new("cell", "region-3/cell-17");

    /// <summary>A provider with no state in it; each call may return a new, empty one.</summary>
    protected abstract IGrainStorage CreateStorage();

    [Fact]
    public async Task ReadAsync_Missing_ReturnsNull()
    {
        var storage = CreateStorage();

        Assert.Null(await storage.ReadAsync(Cell, StateName, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_NullETagOnMissing_CreatesState()
    {
        var storage = CreateStorage();

        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        var stored = await storage.ReadAsync(Cell, StateName, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("v1", Text(stored));
        Assert.Equal(etag, stored.ETag);
    }

    [Fact]
    public async Task WriteAsync_NullETagOnExisting_ThrowsConflictAndKeepsData()
    {
        var storage = CreateStorage();
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, StateName, Bytes("v2"), null, CancellationToken.None));

        Assert.Equal(Cell, conflict.Grain);
        Assert.Null(conflict.ExpectedETag);
        Assert.Equal(etag, conflict.ActualETag);
        await AssertStoredAsync(storage, "v1", etag);
    }

    [Fact]
    public async Task WriteAsync_CurrentETag_ReplacesDataAndChangesETag()
    {
        var storage = CreateStorage();
        var first = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        var second = await storage.WriteAsync(Cell, StateName, Bytes("v2"), first, CancellationToken.None);

        Assert.NotEqual(first, second);
        await AssertStoredAsync(storage, "v2", second);
    }

    [Fact]
    public async Task WriteAsync_StaleETag_ThrowsConflictAndKeepsData()
    {
        var storage = CreateStorage();
        var first = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);
        var second = await storage.WriteAsync(Cell, StateName, Bytes("v2"), first, CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, StateName, Bytes("v3"), first, CancellationToken.None));

        Assert.Equal(first, conflict.ExpectedETag);
        Assert.Equal(second, conflict.ActualETag);
        Assert.Equal(storage.Describe(Cell, StateName), conflict.Location);
        await AssertStoredAsync(storage, "v2", second);
    }

    [Fact]
    public async Task WriteAsync_ETagOnMissing_ThrowsConflict()
    {
        var storage = CreateStorage();

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(Cell, StateName, Bytes("v1"), "no-such-etag", CancellationToken.None));

        Assert.Null(conflict.ActualETag);
        Assert.Null(await storage.ReadAsync(Cell, StateName, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_SameBytesTwice_ETagsDiffer()
    {
        var storage = CreateStorage();
        var first = await storage.WriteAsync(Cell, StateName, Bytes("same"), null, CancellationToken.None);

        var second = await storage.WriteAsync(Cell, StateName, Bytes("same"), first, CancellationToken.None);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task WriteAsync_WriteClearCycles_EveryETagIsNew()
    {
        var storage = CreateStorage();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 5; i++)
        {
            var created = await storage.WriteAsync(Cell, StateName, Bytes("same"), null, CancellationToken.None);
            var updated = await storage.WriteAsync(Cell, StateName, Bytes("same"), created, CancellationToken.None);
            await storage.ClearAsync(Cell, StateName, updated, CancellationToken.None);
            Assert.True(seen.Add(created), $"ETag {created} was returned twice");
            Assert.True(seen.Add(updated), $"ETag {updated} was returned twice");
        }
    }

    [Fact]
    public async Task WriteAsync_CallerReusesBuffer_StoredDataUnchanged()
    {
        var storage = CreateStorage();
        var buffer = Encoding.UTF8.GetBytes("v1");
        var etag = await storage.WriteAsync(Cell, StateName, buffer, null, CancellationToken.None);

        buffer[0] = (byte)'X';

        await AssertStoredAsync(storage, "v1", etag);
    }

    [Fact]
    public async Task WriteAsync_EmptyPayload_RoundTrips()
    {
        var storage = CreateStorage();

        var etag = await storage.WriteAsync(Cell, StateName, ReadOnlyMemory<byte>.Empty, null, CancellationToken.None);

        await AssertStoredAsync(storage, string.Empty, etag);
    }

    [Fact]
    public async Task WriteAsync_TwoStateNamesOfOneGrain_AreIndependent()
    {
        var storage = CreateStorage();
        var a = await storage.WriteAsync(Cell, "alpha", Bytes("a"), null, CancellationToken.None);
        var b = await storage.WriteAsync(Cell, "Alpha", Bytes("b"), null, CancellationToken.None);

        await storage.ClearAsync(Cell, "alpha", a, CancellationToken.None);

        Assert.Null(await storage.ReadAsync(Cell, "alpha", CancellationToken.None));
        var other = await storage.ReadAsync(Cell, "Alpha", CancellationToken.None);
        Assert.NotNull(other);
        Assert.Equal("b", Text(other));
        Assert.Equal(b, other.ETag);
    }

    [Fact]
    public async Task ClearAsync_CurrentETag_RemovesState()
    {
        var storage = CreateStorage();
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        await storage.ClearAsync(Cell, StateName, etag, CancellationToken.None);

        Assert.Null(await storage.ReadAsync(Cell, StateName, CancellationToken.None));
        // Cleared state is absent again, so the next first write succeeds.
        await storage.WriteAsync(Cell, StateName, Bytes("v2"), null, CancellationToken.None);
    }

    [Fact]
    public async Task ClearAsync_StaleETag_ThrowsConflictAndKeepsData()
    {
        var storage = CreateStorage();
        var first = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);
        var second = await storage.WriteAsync(Cell, StateName, Bytes("v2"), first, CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, StateName, first, CancellationToken.None));

        Assert.Equal(second, conflict.ActualETag);
        await AssertStoredAsync(storage, "v2", second);
    }

    [Fact]
    public async Task ClearAsync_NullETagOnExisting_ThrowsConflictAndKeepsData()
    {
        var storage = CreateStorage();
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, StateName, null, CancellationToken.None));

        await AssertStoredAsync(storage, "v1", etag);
    }

    [Fact]
    public async Task ClearAsync_NullETagOnMissing_DoesNothing()
    {
        var storage = CreateStorage();

        await storage.ClearAsync(Cell, StateName, null, CancellationToken.None);

        Assert.Null(await storage.ReadAsync(Cell, StateName, CancellationToken.None));
    }

    [Fact]
    public async Task ClearAsync_ETagOnMissing_ThrowsConflict()
    {
        var storage = CreateStorage();

        await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync(Cell, StateName, "no-such-etag", CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_SixteenConcurrentWritersWithCurrentETag_ExactlyOneSucceeds()
    {
        var storage = CreateStorage();
        var current = await storage.WriteAsync(Cell, StateName, Bytes("initial"), null, CancellationToken.None);

        for (var round = 0; round < RaceRounds; round++)
        {
            var expected = current;
            var outcomes = await StorageRace.RunAsync(16, i => storage.WriteAsync(Cell, StateName, RacePayload(round, i), expected, CancellationToken.None));

            var winner = Assert.Single(outcomes, o => o.ETag is not null);
            Assert.All(outcomes.Where(o => o.ETag is null), o => Assert.Equal(expected, o.Conflict?.ExpectedETag));
            await AssertStoredAsync(storage, Text(RacePayload(round, winner.Writer)), winner.ETag!);
            current = winner.ETag!;
        }
    }

    [Fact]
    public async Task WriteAsync_SixteenConcurrentFirstWriters_ExactlyOneSucceeds()
    {
        var storage = CreateStorage();

        for (var round = 0; round < RaceRounds; round++)
        {
            var outcomes = await StorageRace.RunAsync(16, i => storage.WriteAsync(Cell, StateName, RacePayload(round, i), null, CancellationToken.None));

            var winner = Assert.Single(outcomes, o => o.ETag is not null);
            Assert.Equal(15, outcomes.Count(o => o.Conflict is not null));
            await AssertStoredAsync(storage, Text(RacePayload(round, winner.Writer)), winner.ETag!);
            await storage.ClearAsync(Cell, StateName, winner.ETag, CancellationToken.None);
        }
    }

    [Fact]
    public async Task WriteAsync_AwkwardKeys_RoundTripWithoutCollisions()
    {
        var storage = CreateStorage();
        var etags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in AwkwardKeys)
        {
            etags[key] = await storage.WriteAsync(new GrainId("cell", key), StateName, Bytes("value of " + key), null, CancellationToken.None);
        }

        foreach (var key in AwkwardKeys)
        {
            var stored = await storage.ReadAsync(new GrainId("cell", key), StateName, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal("value of " + key, Text(stored));
            Assert.Equal(etags[key], stored.ETag);
        }
    }

    [Fact]
    public async Task ReadAsync_CancelledToken_ThrowsOperationCanceled()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.ReadAsync(Cell, StateName, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task WriteAsync_CancelledToken_ThrowsAndChangesNothing()
    {
        var storage = CreateStorage();
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.WriteAsync(Cell, StateName, Bytes("v2"), etag, new CancellationToken(canceled: true)));

        await AssertStoredAsync(storage, "v1", etag);
    }

    [Fact]
    public async Task WriteAsync_EmptyStateName_ThrowsArgumentException()
    {
        var storage = CreateStorage();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => storage.WriteAsync(Cell, string.Empty, Bytes("v1"), null, CancellationToken.None));
    }

    /// <summary>Keys that break naive file or URL naming: separators, dot segments, case, spaces, escapes, unicode, length.</summary>
    internal static readonly string[] AwkwardKeys =
    [
        "region-3/cell-17",
        "region-3%2Fcell-17",
        "region-3\\cell-17",
        "..",
        ".",
        "../../etc/passwd",
        "a b",
        "A b",
        "a B",
        "x.y",
        "x%2Ey",
        "x%2ey",
        "Zelle-ü",
        "Zelle-u\u0308",
        "セル/17",
        "😀",
        "",
        " ",
        "con",
        "~",
        "a:b*c?d\"e<f>g|h",
        "tab\tnew\nline\0nul",
        new string('k', 300),
        new string('k', 299) + "l",
        string.Concat(Enumerable.Repeat("ü/", 60)),
    ];

    /// <summary>Rounds per race test: a single round can pass by luck when the writers happen not to overlap.</summary>
    private const int RaceRounds = 5;

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A 64 KiB payload naming its writer: large enough that a file write leaves other writers time to overlap it.</summary>
    private static ReadOnlyMemory<byte> RacePayload(int round, int writer) => Bytes($"round-{round}-writer-{writer}".PadRight(64 * 1024, '.'));

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    private static string Text(StoredState state) => Encoding.UTF8.GetString(state.Data.Span);

    private static async Task AssertStoredAsync(IGrainStorage storage, string expectedText, string expectedETag)
    {
        var stored = await storage.ReadAsync(Cell, StateName, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(expectedText, Text(stored));
        Assert.Equal(expectedETag, stored.ETag);
    }
}

/// <summary>The contract against <see cref="MemoryGrainStorage"/>.</summary>
public sealed class MemoryGrainStorageContractTests : GrainStorageContractTests
{
    protected override IGrainStorage CreateStorage() => new MemoryGrainStorage();
}

/// <summary>The contract against <see cref="FileGrainStorage"/> in a scratch directory.</summary>
public sealed class FileGrainStorageContractTests : GrainStorageContractTests, IDisposable
{
    private readonly ScratchDirectory _directory = new();

    protected override IGrainStorage CreateStorage() => new FileGrainStorage(System.IO.Path.Combine(_directory.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _directory.Dispose();
}
