using Controller.Persistence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Controller.Persistence.Tests.Grains;

/// <summary>The state of <see cref="CounterGrain"/>.</summary>
public sealed class CounterState
{
    public int Total { get; set; }

    public List<int> Added { get; set; } = [];
}

/// <summary>A grain whose state lives in the "files" provider.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    Task<int> GetAsync();

    Task<bool> RecordExistsAsync();

    /// <summary>Shows that the registry's error reaches a grain's caller intact.</summary>
    Task ThrowRegistryErrorAsync();
}

public sealed class CounterGrain([PersistentState("s", "files")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        state.State.Total += amount;
        state.State.Added.Add(amount);
        await state.WriteStateAsync();
        return state.State.Total;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Total);

    public Task<bool> RecordExistsAsync() => Task.FromResult(state.RecordExists);

    public Task ThrowRegistryErrorAsync() => throw new ArtifactRegistryException("No artifact 'x' in the registry at /somewhere.");
}

/// <summary>The provider inside a real (in-process, in-memory transport) Orleans silo.</summary>
public sealed class FileGrainStorageClusterTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task PersistentState_WrittenThenDeactivatedAndRestarted_IsReadBackFromTheFile()
    {
        string path;
        await using (var cluster = await StartClusterAsync(_scratch.Path))
        {
            var grain = cluster.Client.GetGrain<ICounterGrain>("region-1/cell-7");
            Assert.False(await grain.RecordExistsAsync());
            await grain.AddAsync(2);
            Assert.Equal(5, await grain.AddAsync(3));

            await cluster.DeactivateAsync(grain);
            Assert.Equal(5, await grain.GetAsync());
            Assert.True(await grain.RecordExistsAsync());

            var storage = (FileGrainStorage)cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>("files");
            path = storage.GetFilePath("s", grain.GetGrainId());
            Assert.True(File.Exists(path), path);
            Assert.StartsWith(Path.GetFullPath(_scratch.Path), path, StringComparison.Ordinal);
        }

        await using (var restarted = await StartClusterAsync(_scratch.Path))
        {
            var grain = restarted.Client.GetGrain<ICounterGrain>("region-1/cell-7");
            Assert.Equal(5, await grain.GetAsync());
            Assert.Equal(6, await grain.AddAsync(1));
            var registryError = await Assert.ThrowsAsync<ArtifactRegistryException>(() => grain.ThrowRegistryErrorAsync());
            Assert.Equal("No artifact 'x' in the registry at /somewhere.", registryError.Message);

            // A damaged file stops the grain's activation with the provider's error naming the file.
            var other = restarted.Client.GetGrain<ICounterGrain>("region-1/cell-8");
            await other.AddAsync(1);
            await restarted.DeactivateAsync(other);
            var otherPath = ((FileGrainStorage)restarted.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>("files")).GetFilePath("s", other.GetGrainId());
            var bytes = await File.ReadAllBytesAsync(otherPath);
            await File.WriteAllBytesAsync(otherPath, bytes[..^2]);

            var error = await Assert.ThrowsAsync<CorruptGrainStateException>(() => other.GetAsync());
            Assert.Equal(otherPath, error.FilePath);
            Assert.Equal(other.GetGrainId(), error.GrainId);
            Assert.Contains(otherPath, error.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", error.Reason, StringComparison.Ordinal);
            Assert.Equal(bytes[..^2], await File.ReadAllBytesAsync(otherPath));
        }
    }

    [Fact]
    public async Task Deploy_WithoutRootDirectory_FailsAtStartNamingTheProvider()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddFileGrainStorage("files", _ => { }));
        await using var cluster = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.DeployAsync());

        // The options validator runs at start; the provider itself is only created when a grain needs it.
        Assert.Contains("Invalid FileGrainStorageOptions for grain storage provider 'files'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("RootDirectory is required", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_IsKeyedByName_AndAsDefaultAlsoUnkeyed()
    {
        var services = new ServiceCollection();
        services.AddFileGrainStorage("files", o => o.RootDirectory = _scratch.Path);
        services.AddFileGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, o => o.RootDirectory = Path.Join(_scratch.Path, "default"));
        using var provider = services.BuildServiceProvider();

        var files = Assert.IsType<FileGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("files"));
        var fallback = Assert.IsType<FileGrainStorage>(provider.GetRequiredService<IGrainStorage>());

        Assert.Equal("files", files.Name);
        Assert.Equal(Path.GetFullPath(_scratch.Path), files.RootDirectory);
        Assert.Equal(Path.Join(_scratch.Path, "default"), fallback.RootDirectory);
        Assert.Same(fallback, provider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        var validators = provider.GetServices<IConfigurationValidator>().ToList();
        Assert.Equal(2, validators.Count);
        foreach (var validator in validators)
        {
            validator.ValidateConfiguration();
        }
    }

    private static async Task<InProcessTestCluster> StartClusterAsync(string root)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddFileGrainStorage("files", o => o.RootDirectory = root));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
