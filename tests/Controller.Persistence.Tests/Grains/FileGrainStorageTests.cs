using System.Text;
using Controller.Persistence.Tests.Support;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Controller.Persistence.Tests.Grains;

/// <summary>A grain state as grains in this solution write them: properties, a public field, a list.</summary>
public sealed class CellState
{
    public double Lambda { get; set; }

    public string? Label { get; set; }

    public List<int> Users { get; set; } = [];

#pragma warning disable CA1051 // A public field on purpose: the serializer must not drop fields (IncludeFields).
    public int Generation;
#pragma warning restore CA1051
}

/// <summary><see cref="CellState"/> renamed and moved: same JSON shape, different .NET type.</summary>
public sealed class RenamedCellState
{
    public double Lambda { get; set; }

    public string? Label { get; set; }

    public List<int> Users { get; set; } = [];

#pragma warning disable CA1051 // A public field on purpose: the serializer must not drop fields (IncludeFields).
    public int Generation;
#pragma warning restore CA1051
}

/// <summary>Shape-incompatible with <see cref="CellState"/>: Label is a number here.</summary>
public sealed class IncompatibleState
{
    public int Label { get; set; }
}

public sealed class FileGrainStorageTests : IDisposable
{
    private const string StateName = "duals";
    private static readonly GrainId _cell = GrainId.Create("cell", "region-3/Cell 17");

    private readonly ScratchDirectory _scratch = new();
    private readonly FileGrainStorage _storage;

    public FileGrainStorageTests()
    {
        _storage = NewStorage();
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Read_MissingState_LeavesStateAndReportsNoRecord()
    {
        var original = new CellState { Label = "initial" };
        var state = new GrainState<CellState>(original);

        await _storage.ReadStateAsync(StateName, _cell, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Same(original, state.State);
    }

    [Fact]
    public async Task Write_FirstWithNullETag_ThenReadBack_GivesSameStateAndETag()
    {
        var written = new GrainState<CellState>(new CellState { Lambda = 0.25, Label = "c17", Users = [1, 2, 3], Generation = 7 });

        await _storage.WriteStateAsync(StateName, _cell, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        var read = new GrainState<CellState>(new CellState());
        await _storage.ReadStateAsync(StateName, _cell, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(0.25, read.State!.Lambda);
        Assert.Equal("c17", read.State!.Label);
        Assert.Equal([1, 2, 3], read.State!.Users);
        Assert.Equal(7, read.State!.Generation);
    }

    [Fact]
    public async Task Write_EveryWrite_GetsANewETag_EvenForTheSameContent()
    {
        var state = new GrainState<CellState>(new CellState { Lambda = 1 });
        var etags = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            await _storage.WriteStateAsync(StateName, _cell, state);
            etags.Add(state.ETag!);
        }

        Assert.Equal(3, etags.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Write_StaleETag_ThrowsInconsistentState_AndChangesNothing()
    {
        var first = new GrainState<CellState>(new CellState { Label = "first" });
        await _storage.WriteStateAsync(StateName, _cell, first);
        var stale = new GrainState<CellState>(new CellState { Label = "stale" }) { ETag = first.ETag, RecordExists = true };
        first.State!.Label = "second";
        await _storage.WriteStateAsync(StateName, _cell, first);
        var before = await File.ReadAllBytesAsync(_storage.GetFilePath(StateName, _cell));

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, _cell, stale));

        Assert.Equal(before, await File.ReadAllBytesAsync(_storage.GetFilePath(StateName, _cell)));
        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Equal(stale.ETag, error.CurrentEtag);
        Assert.Contains(_cell.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal("second", (await ReadAsync<CellState>()).State!.Label);
    }

    [Fact]
    public async Task Write_NullETagWhileAFileExists_ThrowsInconsistentState()
    {
        await _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Label = "there" }));

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Label = "newcomer" })));

        Assert.Equal("there", (await ReadAsync<CellState>()).State!.Label);
    }

    [Fact]
    public async Task Write_ConcurrentWritersWithTheSameETag_ExactlyOneWins()
    {
        var initial = new GrainState<CellState>(new CellState());
        await _storage.WriteStateAsync(StateName, _cell, initial);
        var otherInstance = NewStorage();

        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            var storage = i % 2 == 0 ? _storage : otherInstance;
            var state = new GrainState<CellState>(new CellState { Generation = i }) { ETag = initial.ETag, RecordExists = true };
            try
            {
                await storage.WriteStateAsync(StateName, _cell, state);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }).ToArray();

        Assert.Equal(1, (await Task.WhenAll(attempts)).Count(won => won));
    }

    [Fact]
    public async Task Clear_WithCurrentETag_RemovesTheFile_AndTheNextReadFindsNothing()
    {
        var state = new GrainState<CellState>(new CellState { Label = "x" });
        await _storage.WriteStateAsync(StateName, _cell, state);

        await _storage.ClearStateAsync(StateName, _cell, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.False(File.Exists(_storage.GetFilePath(StateName, _cell)));
        Assert.False((await ReadAsync<CellState>()).RecordExists);
        await _storage.WriteStateAsync(StateName, _cell, state);
        Assert.True((await ReadAsync<CellState>()).RecordExists);
    }

    [Fact]
    public async Task Clear_MissingStateWithNullETag_IsANoOp()
    {
        var state = new GrainState<CellState>(new CellState());

        await _storage.ClearStateAsync(StateName, _cell, state);

        Assert.False(state.RecordExists);
        Assert.False(Directory.Exists(Path.GetDirectoryName(_storage.GetFilePath(StateName, _cell))));
    }

    [Fact]
    public async Task Clear_StaleETag_ThrowsInconsistentState_AndKeepsTheFile()
    {
        var state = new GrainState<CellState>(new CellState());
        await _storage.WriteStateAsync(StateName, _cell, state);
        var stale = new GrainState<CellState>(new CellState()) { ETag = state.ETag };
        await _storage.WriteStateAsync(StateName, _cell, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(StateName, _cell, stale));

        Assert.True(File.Exists(_storage.GetFilePath(StateName, _cell)));
    }

    [Fact]
    public async Task Clear_AfterSomeoneElseDeletedIt_ThrowsInconsistentState()
    {
        var state = new GrainState<CellState>(new CellState());
        await _storage.WriteStateAsync(StateName, _cell, state);
        File.Delete(_storage.GetFilePath(StateName, _cell));

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(StateName, _cell, state));
    }

    public static TheoryData<string> Damages => ["truncated-payload", "truncated-header", "empty", "flipped-payload-byte", "flipped-etag", "not-a-state-file", "future-version", "appended-bytes"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task DamagedFile_ReadWriteAndClear_ThrowCorruptNamingGrainAndFile_AndTheFileIsKept(string damage)
    {
        var state = new GrainState<CellState>(new CellState { Label = "precious", Users = [4, 5, 6] });
        await _storage.WriteStateAsync(StateName, _cell, state);
        var path = _storage.GetFilePath(StateName, _cell);
        var bytes = await File.ReadAllBytesAsync(path);
        var damaged = Damage(bytes, damage);
        await File.WriteAllBytesAsync(path, damaged);

        var onRead = await Assert.ThrowsAsync<CorruptGrainStateException>(() => _storage.ReadStateAsync(StateName, _cell, new GrainState<CellState>(new CellState())));
        var onWrite = await Assert.ThrowsAsync<CorruptGrainStateException>(() => _storage.WriteStateAsync(StateName, _cell, state));
        var onClear = await Assert.ThrowsAsync<CorruptGrainStateException>(() => _storage.ClearStateAsync(StateName, _cell, state));

        foreach (var error in new[] { onRead, onWrite, onClear })
        {
            Assert.Contains(_cell.ToString(), error.Message, StringComparison.Ordinal);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains(StateName, error.Message, StringComparison.Ordinal);
            Assert.Equal(_cell, error.GrainId);
            Assert.Equal(path, error.FilePath);
        }

        Assert.Equal(damaged, await File.ReadAllBytesAsync(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task TruncatedFile_SaysTruncated()
    {
        await _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Label = "precious" }));
        var path = _storage.GetFilePath(StateName, _cell);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^3]);

        var error = await Assert.ThrowsAsync<CorruptGrainStateException>(() => ReadAsync<CellState>());

        Assert.Contains("truncated", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileOfAnotherGrain_CopiedInPlace_IsReportedAsCorrupt()
    {
        var other = GrainId.Create("cell", "region-3/Cell 18");
        await _storage.WriteStateAsync(StateName, other, new GrainState<CellState>(new CellState { Label = "18" }));
        var target = _storage.GetFilePath(StateName, _cell);
        File.Copy(_storage.GetFilePath(StateName, other), target);

        var error = await Assert.ThrowsAsync<CorruptGrainStateException>(() => ReadAsync<CellState>());

        Assert.Contains("belongs to grain", error.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(target));
    }

    [Fact]
    public async Task PayloadThatDoesNotDeserialize_IsReportedAsCorrupt_NamingTheType()
    {
        await _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Label = "text" }));

        var error = await Assert.ThrowsAsync<CorruptGrainStateException>(() => ReadAsync<IncompatibleState>());

        Assert.Contains(nameof(IncompatibleState), error.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(_storage.GetFilePath(StateName, _cell)));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public async Task Write_NonFiniteNumber_Throws_AndLeavesTheOldFileIntact(double lambda)
    {
        var state = new GrainState<CellState>(new CellState { Lambda = 0.5 });
        await _storage.WriteStateAsync(StateName, _cell, state);
        var etag = state.ETag;
        var path = _storage.GetFilePath(StateName, _cell);
        var before = await File.ReadAllBytesAsync(path);

        state.State!.Lambda = lambda;
        await Assert.ThrowsAsync<ArgumentException>(() => _storage.WriteStateAsync(StateName, _cell, state));

        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(etag, state.ETag);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Assert.Equal(0.5, (await ReadAsync<CellState>()).State!.Lambda);
    }

    [Fact]
    public async Task OnDisk_HeaderLineThenPlainJson_WithoutDotNetTypeNames()
    {
        await _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Lambda = 2, Label = "c" }));

        var text = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(_storage.GetFilePath(StateName, _cell)));
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var header = text[..newline];
        var json = text[(newline + 1)..];

        Assert.Matches("^controller-grain-state 1 etag=[0-9a-f]{32} grain=cell/region-3%2F%43ell%2017 state=duals length=[0-9]+ sha256=[0-9a-f]{64}$", header);
        Assert.Equal("{\"Lambda\":2,\"Label\":\"c\",\"Users\":[],\"Generation\":0}", json);
        Assert.DoesNotContain(nameof(CellState), text, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenamedStateClass_ReadsTheOldFile()
    {
        await _storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Lambda = 3, Users = [9], Generation = 2 }));

        var read = await ReadAsync<RenamedCellState>();

        Assert.Equal(3, read.State!.Lambda);
        Assert.Equal([9], read.State!.Users);
        Assert.Equal(2, read.State!.Generation);
    }

    [Fact]
    public async Task Writes_LeaveNoTempFilesBehind()
    {
        var state = new GrainState<CellState>(new CellState());
        for (var i = 0; i < 5; i++)
        {
            await _storage.WriteStateAsync(StateName, _cell, state);
        }

        var files = Directory.GetFiles(_scratch.Path, "*", SearchOption.AllDirectories);
        Assert.Equal([_storage.GetFilePath(StateName, _cell)], files);
    }

    [Fact]
    public void FilePath_IsTypeDirectoryThenKeyAndStateName()
    {
        Assert.Equal(Path.Join(_storage.RootDirectory, "cell", "region-3%2F%43ell%2017.duals.state"), _storage.GetFilePath(StateName, _cell));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("..")]
    [InlineData("/abs")]
    [InlineData("a\\..\\..\\b")]
    [InlineData("%2E%2E")]
    public async Task HostileKeys_StayInsideTheTypeDirectory(string key)
    {
        var grain = GrainId.Create("cell", key);

        var path = _storage.GetFilePath(StateName, grain);
        await _storage.WriteStateAsync(StateName, grain, new GrainState<CellState>(new CellState { Label = key }));

        Assert.Equal(Path.Join(_storage.RootDirectory, "cell"), Path.GetDirectoryName(Path.GetFullPath(path)));
        Assert.Equal(path, Path.GetFullPath(path));
        Assert.Equal(key, (await ReadAsync<CellState>(grain)).State!.Label);
    }

    [Fact]
    public async Task HostileGrainTypeAndStateName_StayInsideTheRoot()
    {
        var grain = GrainId.Create("../../escape", "k");

        var path = _storage.GetFilePath("../state", grain);
        await _storage.WriteStateAsync("../state", grain, new GrainState<CellState>(new CellState()));

        Assert.Equal(_storage.RootDirectory, Path.GetDirectoryName(Path.GetDirectoryName(path)));
        Assert.Single(Directory.GetFiles(_storage.RootDirectory, "*.state", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task LongKeys_AreHashed_ShortEnoughForTheFileSystem_AndDistinct()
    {
        var a = GrainId.Create("cell", new string('k', 1000));
        var b = GrainId.Create("cell", new string('k', 999) + "l");

        await _storage.WriteStateAsync(StateName, a, new GrainState<CellState>(new CellState { Label = "a" }));
        await _storage.WriteStateAsync(StateName, b, new GrainState<CellState>(new CellState { Label = "b" }));

        Assert.NotEqual(_storage.GetFilePath(StateName, a), _storage.GetFilePath(StateName, b));
        Assert.True(Path.GetFileName(_storage.GetFilePath(StateName, a)).Length < 200);
        Assert.Equal("a", (await ReadAsync<CellState>(a)).State!.Label);
        Assert.Equal("b", (await ReadAsync<CellState>(b)).State!.Label);
    }

    [Fact]
    public async Task KeysDifferingOnlyInCase_GetDifferentFiles()
    {
        var lower = GrainId.Create("cell", "cell");
        var upper = GrainId.Create("cell", "CELL");

        await _storage.WriteStateAsync(StateName, lower, new GrainState<CellState>(new CellState { Label = "lower" }));
        await _storage.WriteStateAsync(StateName, upper, new GrainState<CellState>(new CellState { Label = "upper" }));

        Assert.Equal("lower", (await ReadAsync<CellState>(lower)).State!.Label);
        Assert.Equal("upper", (await ReadAsync<CellState>(upper)).State!.Label);
    }

    [Fact]
    public void Constructor_WithoutRootDirectory_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FileGrainStorage("files", new FileGrainStorageOptions()));
        Assert.Throws<ArgumentException>(() => new FileGrainStorage("files", new FileGrainStorageOptions { RootDirectory = "  " }));
    }

    [Fact]
    public void Constructor_RelativeRoot_IsMadeAbsolute()
    {
        var storage = new FileGrainStorage("files", new FileGrainStorageOptions { RootDirectory = "state" });

        Assert.True(Path.IsPathFullyQualified(storage.RootDirectory));
        Assert.Equal(Path.GetFullPath("state"), storage.RootDirectory);
    }

    [Fact]
    public async Task CustomSerializer_IsUsed()
    {
        var storage = new FileGrainStorage("files", new FileGrainStorageOptions { RootDirectory = _scratch.Path, GrainStorageSerializer = new UpperCaseJson() });

        await storage.WriteStateAsync(StateName, _cell, new GrainState<CellState>(new CellState { Label = "loud" }));

        Assert.Contains("\"LOUD\"", await File.ReadAllTextAsync(storage.GetFilePath(StateName, _cell)), StringComparison.Ordinal);
    }

    private FileGrainStorage NewStorage() => new("files", new FileGrainStorageOptions { RootDirectory = _scratch.Path });

    private async Task<GrainState<T>> ReadAsync<T>(GrainId? grain = null)
        where T : new()
    {
        var state = new GrainState<T>(new T());
        await _storage.ReadStateAsync(StateName, grain ?? _cell, state);
        return state;
    }

    private static byte[] Damage(byte[] bytes, string damage)
    {
        var newline = Array.IndexOf(bytes, (byte)'\n');
        switch (damage)
        {
            case "truncated-payload":
                return bytes[..^5];
            case "truncated-header":
                return bytes[..(newline / 2)];
            case "empty":
                return [];
            case "flipped-payload-byte":
                var flipped = bytes.ToArray();
                flipped[newline + 3] ^= 0x01;
                return flipped;
            case "flipped-etag":
                var text = Encoding.ASCII.GetString(bytes);
                var at = text.IndexOf("etag=", StringComparison.Ordinal) + 5;
                var etag = bytes.ToArray();
                etag[at] = etag[at] == (byte)'a' ? (byte)'b' : (byte)'a';
                return etag;
            case "not-a-state-file":
                return "{\"Lambda\":1}"u8.ToArray();
            case "future-version":
                return Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(bytes).Replace("controller-grain-state 1 ", "controller-grain-state 2 ", StringComparison.Ordinal));
            case "appended-bytes":
                return [.. bytes, .. "garbage"u8.ToArray()];
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    private sealed class UpperCaseJson : IGrainStorageSerializer
    {
        private readonly JsonGrainStateSerializer _inner = new();

        public BinaryData Serialize<T>(T? input)
        {
            if (input is CellState cell)
            {
                cell.Label = cell.Label?.ToUpperInvariant();
            }

            return _inner.Serialize(input);
        }

        public T Deserialize<T>(BinaryData input) => _inner.Deserialize<T>(input);
    }
}
