using System.Text;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Tests.AzureBlob;

namespace Controller.Runtime.Tests.Storage;

public sealed class ArtifactRegistryTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Import_ThenList_Find_Read_Materialize()
    {
        var registry = new ArtifactRegistry(new MemoryGrainStorage(), "policy");
        var entry = await registry.ImportAsync("gnn-a", Files(("model.safetensors", [1, 2, 3]), ("manifest.json", "{\"a\":1}"u8.ToArray())), Meta(("architecture", "resilient-gnn")), replace: false, Ct);

        Assert.Equal("gnn-a", Assert.Single(await registry.ListAsync(Ct)).Name);
        Assert.Equal("resilient-gnn", (await registry.FindAsync("gnn-a", Ct))!.Metadata["architecture"]);
        Assert.Equal(2, entry.Files.Count);
        var files = await registry.ReadFilesAsync("gnn-a", Ct);
        Assert.Equal([1, 2, 3], files.Single(f => f.Key == "model.safetensors").Value);

        var root = Directory.CreateTempSubdirectory("registry-");
        try
        {
            var directory = await registry.MaterializeAsync("gnn-a", root.FullName, Ct);
            Assert.Equal("{\"a\":1}", await File.ReadAllTextAsync(Path.Combine(directory, "manifest.json")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Import_SameNameTwice_RefusedUnlessReplace_AndReplaceDropsOldFiles()
    {
        var storage = new MemoryGrainStorage();
        var registry = new ArtifactRegistry(storage, "policy");
        var first = await registry.ImportAsync("p", Files(("w", [1])), Meta(), replace: false, Ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync("p", Files(("w", [2])), Meta(), replace: false, Ct));
        Assert.Contains("already in the registry", error.Message, StringComparison.Ordinal);
        Assert.Equal([1], (await registry.ReadFilesAsync("p", Ct))[0].Value);

        var second = await registry.ImportAsync("p", Files(("w", [2])), Meta(), replace: true, Ct);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal([2], (await registry.ReadFilesAsync("p", Ct))[0].Value);
        Assert.Null(await storage.ReadAsync(new GrainId("registry-file", $"policy/p/{first.Version}"), "w", Ct));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    public async Task Import_BadName_Refused(string name)
    {
        var registry = new ArtifactRegistry(new MemoryGrainStorage(), "policy");
        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ImportAsync(name, Files(("w", [1])), Meta(), false, Ct));
        Assert.Contains("is not a valid artifact name", error.Message, StringComparison.Ordinal);
        Assert.Empty(await registry.ListAsync(Ct));
    }

    [Fact]
    public async Task Read_DamagedFile_NamesItAndWhere()
    {
        var storage = new MemoryGrainStorage();
        var registry = new ArtifactRegistry(storage, "policy");
        var entry = await registry.ImportAsync("p", Files(("model.safetensors", [1, 2, 3])), Meta(), false, Ct);
        var grain = new GrainId("registry-file", $"policy/p/{entry.Version}");
        var stored = await storage.ReadAsync(grain, "model.safetensors", Ct);
        await storage.WriteAsync(grain, "model.safetensors", new byte[] { 1, 2, 4 }, stored!.ETag, Ct);

        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("p", Ct));
        Assert.Contains("File 'model.safetensors' of artifact 'p'", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_Unknown_ListsWhatThereIs()
    {
        var registry = new ArtifactRegistry(new MemoryGrainStorage(), "policy");
        await registry.ImportAsync("known", Files(("w", [1])), Meta(), false, Ct);
        var error = await Assert.ThrowsAsync<ArtifactRegistryException>(() => registry.ReadFilesAsync("other", Ct));
        Assert.Contains("No artifact 'other'", error.Message, StringComparison.Ordinal);
        Assert.Contains("known", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registry_InFiles_SurvivesANewProcessView()
    {
        var root = Directory.CreateTempSubdirectory("registry-files-");
        try
        {
            await new ArtifactRegistry(new FileGrainStorage(root.FullName), "policy").ImportAsync("p", Files(("w", [9, 9])), Meta(("k", "v")), false, Ct);
            var again = new ArtifactRegistry(new FileGrainStorage(root.FullName), "policy");
            Assert.Equal([9, 9], (await again.ReadFilesAsync("p", Ct))[0].Value);
            Assert.Equal("v", (await again.FindAsync("p", Ct))!.Metadata["k"]);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    internal static KeyValuePair<string, byte[]>[] Files(params (string Name, byte[] Data)[] files) => [.. files.Select(f => KeyValuePair.Create(f.Name, f.Data))];

    internal static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>The registry against a real Azurite: concurrent importers.</summary>
[Trait("Category", "Azurite")]
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ArtifactRegistryAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ConcurrentImports_DistinctNames_AllLand_SameName_ExactlyOneWins()
    {
        var storage = azurite.NewStorage();
        var distinct = Enumerable.Range(0, 6).Select(i => new ArtifactRegistry(storage, "policy")
            .ImportAsync($"p{i}", ArtifactRegistryTests.Files(("w", Encoding.UTF8.GetBytes($"weights {i}"))), ArtifactRegistryTests.Meta(), false, CancellationToken.None));
        await Task.WhenAll(distinct);
        var registry = new ArtifactRegistry(storage, "policy");
        Assert.Equal(["p0", "p1", "p2", "p3", "p4", "p5"], (await registry.ListAsync(CancellationToken.None)).Select(e => e.Name));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal($"weights {i}", Encoding.UTF8.GetString((await registry.ReadFilesAsync($"p{i}", CancellationToken.None))[0].Value));
        }

        var same = Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                await new ArtifactRegistry(storage, "policy").ImportAsync("contested", ArtifactRegistryTests.Files(("w", [(byte)i])), ArtifactRegistryTests.Meta(), false, CancellationToken.None);
                return true;
            }
            catch (ArtifactRegistryException)
            {
                return false;
            }
        }).ToArray();
        var outcomes = await Task.WhenAll(same);
        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(7, (await registry.ListAsync(CancellationToken.None)).Count);
    }
}
