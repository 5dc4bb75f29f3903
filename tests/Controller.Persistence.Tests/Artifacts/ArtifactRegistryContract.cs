using System.Text;

namespace Controller.Persistence.Tests.Artifacts;

/// <summary>The registry's behaviour, the same on every store; run against files and against Azurite.</summary>
public abstract class ArtifactRegistryContract
{
    private static readonly CancellationToken _ct = CancellationToken.None;

    protected abstract IArtifactStore NewStore();

    /// <summary>A second, independent store object over the same place as <paramref name="store"/> (another process's view).</summary>
    protected abstract IArtifactStore Reopen(IArtifactStore store);

    [Fact]
    public async Task Import_ThenList_Find_Read_Materialize()
    {
        var registry = new ArtifactRegistry(NewStore(), "policy");
        var entry = await registry.ImportAsync("gnn-a", Files(("model.safetensors", [1, 2, 3]), ("manifest.json", "{\"a\":1}"u8.ToArray())), Meta(("architecture", "resilient-gnn")), replace: false, _ct);

        Assert.Equal("gnn-a", Assert.Single(await registry.ListAsync(_ct)).Name);
        Assert.Equal("resilient-gnn", (await registry.FindAsync("gnn-a", _ct))!.Metadata["architecture"]);
        Assert.Equal(2, entry.Files.Count);
        Assert.Equal(3, entry.Files.Single(f => f.Name == "model.safetensors").Bytes);
        var files = await registry.ReadFilesAsync("gnn-a", _ct);
        Assert.Equal([1, 2, 3], files.Single(f => f.Key == "model.safetensors").Value);

        var root = Directory.CreateTempSubdirectory("registry-");
        try
        {
            var directory = await registry.MaterializeAsync("gnn-a", root.FullName, _ct);
            Assert.Equal(Path.Combine(root.FullName, "gnn-a"), directory);
            Assert.Equal("{\"a\":1}", await File.ReadAllTextAsync(Path.Combine(directory, "manifest.json")));
            Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(directory, "model.safetensors")));
            Assert.Single(Directory.GetDirectories(root.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Import_SameNameTwice_RefusedUnlessReplace_AndReplaceDropsOldFiles()
    {
        var store = NewStore();
        var registry = new ArtifactRegistry(store, "policy");
        var first = await registry.ImportAsync("p", Files(("w", [1])), Meta(), replace: false, _ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(("w", [2])), Meta(), replace: false, _ct));
        Assert.Contains("already in the registry", error.Message, StringComparison.Ordinal);
        Assert.Equal([1], (await registry.ReadFilesAsync("p", _ct))[0].Value);

        var second = await registry.ImportAsync("p", Files(("w", [2])), Meta(), replace: true, _ct);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal([2], (await registry.ReadFilesAsync("p", _ct))[0].Value);
        Assert.Null(await store.ReadAsync($"policy/artifacts/p/{first.Version}/w", 10, _ct));
        Assert.Single(await registry.ListAsync(_ct));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("a/b")]
    public async Task Import_BadName_Refused(string name)
    {
        var registry = new ArtifactRegistry(NewStore(), "policy");

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync(name, Files(("w", [1])), Meta(), false, _ct));

        Assert.Contains("is not a valid artifact name", error.Message, StringComparison.Ordinal);
        Assert.Empty(await registry.ListAsync(_ct));
    }

    [Fact]
    public async Task Import_BadFileName_NoFiles_DuplicateFile_Refused()
    {
        var registry = new ArtifactRegistry(NewStore(), "policy");

        await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(("../w", [1])), Meta(), false, _ct));
        await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(), Meta(), false, _ct));
        await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(("w", [1]), ("w", [2])), Meta(), false, _ct));
        Assert.Empty(await registry.ListAsync(_ct));
    }

    [Fact]
    public async Task Import_LargerThanTheCap_Refused()
    {
        var registry = new ArtifactRegistry(NewStore(), "policy");
        var half = new byte[ArtifactRegistry.MaxArtifactBytes / 2];

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("big", Files(("a", half), ("b", half), ("c", [1])), Meta(), false, _ct));

        Assert.Contains("at most", error.Message, StringComparison.Ordinal);
        Assert.Empty(await registry.ListAsync(_ct));
    }

    [Fact]
    public async Task Read_DamagedFile_NamesFileArtifactAndWhere()
    {
        var store = NewStore();
        var registry = new ArtifactRegistry(store, "policy");
        var entry = await registry.ImportAsync("p", Files(("model.safetensors", [1, 2, 3])), Meta(), false, _ct);
        var key = $"policy/artifacts/p/{entry.Version}/model.safetensors";
        var stored = await store.ReadAsync(key, 10, _ct);
        await store.WriteAsync(key, new byte[] { 1, 2, 4 }, stored!.ETag, _ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("p", _ct));

        Assert.Contains("File 'model.safetensors' of artifact 'p'", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Contains(store.Describe(key), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_GrownFile_IsDamaged()
    {
        var store = NewStore();
        var registry = new ArtifactRegistry(store, "policy");
        var entry = await registry.ImportAsync("p", Files(("w", [1, 2, 3])), Meta(), false, _ct);
        var key = $"policy/artifacts/p/{entry.Version}/w";
        await store.WriteAsync(key, new byte[4], (await store.ReadAsync(key, 10, _ct))!.ETag, _ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("p", _ct));

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_MissingFile_SaysMissing()
    {
        var store = NewStore();
        var registry = new ArtifactRegistry(store, "policy");
        var entry = await registry.ImportAsync("p", Files(("w", [1])), Meta(), false, _ct);
        await store.DeleteAsync($"policy/artifacts/p/{entry.Version}/w", _ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("p", _ct));

        Assert.Contains("File 'w' of artifact 'p' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_Unknown_ListsWhatThereIs()
    {
        var registry = new ArtifactRegistry(NewStore(), "policy");
        var empty = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("other", _ct));
        Assert.Contains("is empty", empty.Message, StringComparison.Ordinal);

        await registry.ImportAsync("known", Files(("w", [1])), Meta(), false, _ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("other", _ct));
        Assert.Contains("No artifact 'other'", error.Message, StringComparison.Ordinal);
        Assert.Contains("known", error.Message, StringComparison.Ordinal);
        Assert.Null(await registry.FindAsync("other", _ct));
    }

    [Fact]
    public async Task DamagedIndex_IsReported_NotOverwritten()
    {
        var store = NewStore();
        await store.WriteAsync("policy/index.json", "{not json"u8.ToArray(), null, _ct);
        var registry = new ArtifactRegistry(store, "policy");

        var onList = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ListAsync(_ct));
        await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(("w", [1])), Meta(), false, _ct));

        Assert.Contains(registry.Location, onList.Message, StringComparison.Ordinal);
        Assert.Equal("{not json"u8.ToArray(), (await store.ReadAsync("policy/index.json", 100, _ct))!.Data.ToArray());
    }

    [Fact]
    public async Task Kinds_AreSeparate()
    {
        var store = NewStore();
        await new ArtifactRegistry(store, "policy").ImportAsync("p", Files(("w", [1])), Meta(), false, _ct);

        Assert.Empty(await new ArtifactRegistry(store, "dataset").ListAsync(_ct));
        Assert.Throws<ArgumentException>(() => new ArtifactRegistry(store, "../policy"));
    }

    [Fact]
    public async Task AnotherViewOfTheSameStore_SeesTheImport()
    {
        var store = NewStore();
        await new ArtifactRegistry(store, "policy").ImportAsync("p", Files(("w", [9, 9])), Meta(("k", "v")), false, _ct);

        var again = new ArtifactRegistry(Reopen(store), "policy");

        Assert.Equal([9, 9], (await again.ReadFilesAsync("p", _ct))[0].Value);
        Assert.Equal("v", (await again.FindAsync("p", _ct))!.Metadata["k"]);
    }

    [Fact]
    public async Task ConcurrentImports_DistinctNames_AllLand_SameName_ExactlyOneWins()
    {
        var store = NewStore();
        var distinct = Enumerable.Range(0, 6).Select(i => new ArtifactRegistry(Reopen(store), "policy")
            .ImportAsync($"p{i}", Files(("w", Encoding.UTF8.GetBytes($"weights {i}"))), Meta(), false, _ct));
        await Task.WhenAll(distinct);
        var registry = new ArtifactRegistry(store, "policy");
        Assert.Equal(["p0", "p1", "p2", "p3", "p4", "p5"], (await registry.ListAsync(_ct)).Select(e => e.Name));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal($"weights {i}", Encoding.UTF8.GetString((await registry.ReadFilesAsync($"p{i}", _ct))[0].Value));
        }

        var same = Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                await new ArtifactRegistry(Reopen(store), "policy").ImportAsync("contested", Files(("w", [(byte)i])), Meta(), false, _ct);
                return true;
            }
            catch (ArtifactRegistryException)
            {
                return false;
            }
        }).ToArray();
        var outcomes = await Task.WhenAll(same);
        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(7, (await registry.ListAsync(_ct)).Count);
        Assert.Single(await registry.ReadFilesAsync("contested", _ct));
    }

    internal static KeyValuePair<string, byte[]>[] Files(params (string Name, byte[] Data)[] files) => [.. files.Select(f => KeyValuePair.Create(f.Name, f.Data))];

    internal static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}
