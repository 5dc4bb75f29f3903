using System.Text.Json;
using Controller.Persistence.Tests.Support;

namespace Controller.Persistence.Tests.Artifacts;

public sealed class FileArtifactStoreTests : ArtifactStoreContract, IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    protected override IArtifactStore NewStore() => new FileArtifactStore(Path.Join(_scratch.Path, Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task Objects_ArePlainFilesAtTheirKey_AndNoTempFilesRemain()
    {
        var store = new FileArtifactStore(_scratch.Path);

        await store.WriteAsync("policy/artifacts/p/v1/model.safetensors", "weights"u8.ToArray(), null, CancellationToken.None);

        Assert.Equal("weights", await File.ReadAllTextAsync(Path.Join(_scratch.Path, "policy", "artifacts", "p", "v1", "model.safetensors")));
        Assert.Equal(
            [FileArtifactStore.LockFileName, "model.safetensors"],
            Directory.GetFiles(_scratch.Path, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ETag_IsTheSha256OfTheContent()
    {
        var store = new FileArtifactStore(_scratch.Path);

        var etag = await store.WriteAsync("k", "abc"u8.ToArray(), null, CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", etag);
    }
}

public sealed class FileArtifactRegistryTests : ArtifactRegistryContract, IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    protected override IArtifactStore NewStore() => new FileArtifactStore(Path.Join(_scratch.Path, Guid.NewGuid().ToString("N")));

    protected override IArtifactStore Reopen(IArtifactStore store) => new FileArtifactStore(((FileArtifactStore)store).Directory);

    [Fact]
    public async Task OpenFiles_IndexIsReadableJsonBesideThePlainFiles()
    {
        var registry = ArtifactRegistry.OpenFiles(_scratch.Path, "policy");
        var entry = await registry.ImportAsync("p", Files(("w", [7])), Meta(("architecture", "gnn")), false, CancellationToken.None);

        var indexPath = Path.Join(_scratch.Path, "policy", "index.json");
        Assert.Equal(indexPath, registry.Location);
        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(indexPath));
        Assert.Equal(1, index.RootElement.GetProperty("format").GetInt32());
        var stored = Assert.Single(index.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("p", stored.GetProperty("name").GetString());
        Assert.Equal(entry.Version, stored.GetProperty("version").GetString());
        Assert.Equal("gnn", stored.GetProperty("metadata").GetProperty("architecture").GetString());
        Assert.Equal([7], await File.ReadAllBytesAsync(Path.Join(_scratch.Path, "policy", "artifacts", "p", entry.Version, "w")));
    }

    [Fact]
    public async Task DamagedFileOnDisk_IsReported()
    {
        var registry = ArtifactRegistry.OpenFiles(_scratch.Path, "policy");
        var entry = await registry.ImportAsync("p", Files(("w", [1, 2, 3])), Meta(), false, CancellationToken.None);
        var path = Path.Join(_scratch.Path, "policy", "artifacts", "p", entry.Version, "w");
        await File.WriteAllBytesAsync(path, [1, 2, 9]);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("p", CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
