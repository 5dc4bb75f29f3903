using System.Text;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.Storage;

/// <summary>What <see cref="FileGrainStorage"/> promises beyond the shared contract: layout, corruption handling, restarts.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private const string StateName = "state";
    private static readonly GrainId Cell = new("cell", "region-3/cell-17");

    private readonly ScratchDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReadAsync_NewInstanceOnSameDirectory_SeesStateAndAcceptsItsETag()
    {
        var etag = await new FileGrainStorage(_directory.Path).WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        var restarted = new FileGrainStorage(_directory.Path);
        var stored = await restarted.ReadAsync(Cell, StateName, CancellationToken.None);
        var next = await restarted.WriteAsync(Cell, StateName, Bytes("v2"), etag, CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Equal("v1", Text(stored.Data));
        Assert.Equal(etag, stored.ETag);
        Assert.NotEqual(etag, next);
    }

    [Fact]
    public void Describe_Grain_ReturnsFullPathOfEscapedTypeKeyAndStateName()
    {
        var storage = new FileGrainStorage(_directory.Path);

        var path = storage.Describe(new GrainId("Cell", "region-3/cell 17"), "alloc.v2");

        Assert.Equal(Path.Combine(_directory.Path, "%43ell", "region-3%2Fcell%2017.alloc%2Ev2.state"), path);
        Assert.True(Path.IsPathFullyQualified(path));
    }

    [Fact]
    public async Task WriteAsync_ETag_Is128BitLowerCaseHex()
    {
        var storage = new FileGrainStorage(_directory.Path);

        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);

        Assert.Matches("^[0-9a-f]{32}$", etag);
    }

    [Fact]
    public async Task WriteAsync_AwkwardKeys_OneFilePerKeyInsideTheTypeDirectory()
    {
        var storage = new FileGrainStorage(_directory.Path);
        foreach (var key in GrainStorageContractTests.AwkwardKeys)
        {
            await storage.WriteAsync(new GrainId("cell", key), StateName, Bytes(key), null, CancellationToken.None);
        }

        var files = Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories);

        Assert.Equal(GrainStorageContractTests.AwkwardKeys.Length, files.Length);
        Assert.All(files, f => Assert.Equal(Path.Combine(_directory.Path, "cell"), Path.GetDirectoryName(f)));
        Assert.All(files, f => Assert.True(Path.GetFileName(f).Length <= 255, f));
        // Case-insensitive file systems must not merge any two of them either.
        Assert.Equal(files.Length, files.Select(f => f.ToUpperInvariant()).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task WriteAsync_Committed_LeavesNoTempFile()
    {
        var storage = new FileGrainStorage(_directory.Path);

        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);
        await storage.WriteAsync(Cell, StateName, Bytes("v2"), etag, CancellationToken.None);

        Assert.Equal([storage.Describe(Cell, StateName)], Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task WriteAsync_CancelledBeforeCommit_LeavesNeitherStateNorTempFile()
    {
        var storage = new FileGrainStorage(_directory.Path);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => storage.WriteAsync(Cell, StateName, Bytes("v1"), null, new CancellationToken(canceled: true)));

        Assert.Empty(Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ReadAsync_LeftoverTempFileFromCrash_IsIgnoredAndKept()
    {
        var storage = new FileGrainStorage(_directory.Path);
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("v1"), null, CancellationToken.None);
        var temp = storage.Describe(Cell, StateName) + ".0123456789abcdef.tmp";
        await File.WriteAllBytesAsync(temp, Encoding.UTF8.GetBytes("CRGS half a write"));

        var stored = await storage.ReadAsync(Cell, StateName, CancellationToken.None);
        await storage.WriteAsync(Cell, StateName, Bytes("v2"), etag, CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Equal("v1", Text(stored.Data));
        Assert.True(File.Exists(temp));
    }

    [Fact]
    public async Task WriteAsync_TwoInstancesOnSameDirectoryRacing_ExactlyOneSucceeds()
    {
        var storages = new[] { new FileGrainStorage(_directory.Path), new FileGrainStorage(_directory.Path) };
        var current = await storages[0].WriteAsync(Cell, StateName, Bytes("initial"), null, CancellationToken.None);

        for (var round = 0; round < 5; round++)
        {
            var expected = current;
            var payload = Bytes(new string('p', 64 * 1024));
            var outcomes = await StorageRace.RunAsync(16, i => storages[i % 2].WriteAsync(Cell, StateName, payload, expected, CancellationToken.None));

            var winner = Assert.Single(outcomes, o => o.ETag is not null);
            var stored = await storages[round % 2].ReadAsync(Cell, StateName, CancellationToken.None);
            Assert.Equal(winner.ETag, stored?.ETag);
            current = winner.ETag!;
        }
    }

    public static TheoryData<string> Corruptions =>
    [
        "empty",
        "truncated-header",
        "truncated-payload",
        "flipped-payload-byte",
        "flipped-etag-byte",
        "flipped-length-byte",
        "garbage-header",
        "future-version",
        "trailing-bytes",
    ];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task ReadAsync_CorruptFile_ThrowsNamingGrainAndPathAndLeavesFile(string corruption)
    {
        var (storage, path, corrupt) = await CorruptStateAsync(corruption);

        var error = await Assert.ThrowsAsync<CorruptStateException>(() => storage.ReadAsync(Cell, StateName, CancellationToken.None));

        Assert.Contains(Cell.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(Cell, error.Grain);
        Assert.Equal(path, error.Location);
        Assert.Equal(corrupt, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task WriteAsync_CorruptFile_RefusesAndLeavesFile(string corruption)
    {
        var (storage, path, corrupt) = await CorruptStateAsync(corruption);

        await Assert.ThrowsAsync<CorruptStateException>(() => storage.WriteAsync(Cell, StateName, Bytes("replacement"), null, CancellationToken.None));
        await Assert.ThrowsAsync<CorruptStateException>(() => storage.WriteAsync(Cell, StateName, Bytes("replacement"), "0123456789abcdef0123456789abcdef", CancellationToken.None));

        Assert.Equal(corrupt, await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task ClearAsync_CorruptFile_RefusesAndLeavesFile(string corruption)
    {
        var (storage, path, corrupt) = await CorruptStateAsync(corruption);

        await Assert.ThrowsAsync<CorruptStateException>(() => storage.ClearAsync(Cell, StateName, null, CancellationToken.None));

        Assert.Equal(corrupt, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task WriteAsync_CorruptFileDeletedByOperator_FirstWriteSucceeds()
    {
        var (storage, path, _) = await CorruptStateAsync("flipped-payload-byte");

        File.Delete(path);
        var etag = await storage.WriteAsync(Cell, StateName, Bytes("fresh"), null, CancellationToken.None);

        var stored = await storage.ReadAsync(Cell, StateName, CancellationToken.None);
        Assert.Equal(etag, stored?.ETag);
    }

    /// <summary>Writes a valid state (ETag length 32, payload 64 bytes) and damages its file as <paramref name="corruption"/> says.</summary>
    private async Task<(FileGrainStorage Storage, string Path, byte[] Corrupt)> CorruptStateAsync(string corruption)
    {
        var storage = new FileGrainStorage(_directory.Path);
        await storage.WriteAsync(Cell, StateName, Encoding.UTF8.GetBytes(new string('p', 64)), null, CancellationToken.None);
        var path = storage.Describe(Cell, StateName);
        var bytes = await File.ReadAllBytesAsync(path);
        // Layout with a 32-character ETag: header 0..80 (ETag at 8, length at 40, checksum at 48), payload from 80.
        Assert.Equal(80 + 64, bytes.Length);

        byte[] corrupt = corruption switch
        {
            "empty" => [],
            "truncated-header" => bytes[..30],
            "truncated-payload" => bytes[..^10],
            "flipped-payload-byte" => Flip(bytes, 100),
            "flipped-etag-byte" => Replace(bytes, 10, (byte)(bytes[10] == (byte)'a' ? 'b' : 'a')),
            "flipped-length-byte" => Flip(bytes, 40),
            "garbage-header" => [.. Encoding.ASCII.GetBytes("{\"not\": \"a state file\"}"), .. bytes[24..]],
            "future-version" => Replace(bytes, 4, 2),
            "trailing-bytes" => [.. bytes, 0, 0, 0],
            _ => throw new ArgumentOutOfRangeException(nameof(corruption), corruption, "unknown corruption"),
        };
        await File.WriteAllBytesAsync(path, corrupt);
        return (storage, path, corrupt);
    }

    private static byte[] Flip(byte[] bytes, int index) => Replace(bytes, index, (byte)(bytes[index] ^ 0x01));

    private static byte[] Replace(byte[] bytes, int index, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] = value;
        return copy;
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);
}
