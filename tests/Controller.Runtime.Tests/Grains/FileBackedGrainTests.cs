using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Tests.Storage;

namespace Controller.Runtime.Tests.Grains;

/// <summary>Grains over the embedded default storage: state files on disk.</summary>
public sealed class FileBackedGrainTests
{
    [Fact]
    public async Task Restart_SameStateDirectory_GrainResumesItsState()
    {
        using var directory = new ScratchDirectory();
        await using (var first = Build(directory.Path))
        {
            await first.GetGrain<ICounterGrain>("cell-7").AddAsync(5, default);
        }

        await using var second = Build(directory.Path);
        Assert.Equal(8, await second.GetGrain<ICounterGrain>("cell-7").AddAsync(3, default));
    }

    [Fact]
    public async Task Activation_CorruptStateFile_ErrorNamesGrainAndFileAndFileIsKept()
    {
        using var directory = new ScratchDirectory();
        var storage = new FileGrainStorage(directory.Path);
        var id = new GrainId("counter", "cell-9");
        await storage.WriteAsync(id, "counter", "{\"Value\": 4}"u8.ToArray(), null, default);
        var path = storage.Describe(id, "counter");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^2] ^= 0x20;
        await File.WriteAllBytesAsync(path, bytes);
        await using var runtime = Build(directory.Path);

        var failure = await Assert.ThrowsAsync<GrainActivationException>(() => runtime.GetGrain<ICounterGrain>("cell-9").GetAsync());

        Assert.IsType<CorruptStateException>(failure.InnerException);
        Assert.Contains("counter/cell-9", failure.Message, StringComparison.Ordinal);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(0, runtime.ActivationCount);
    }

    private static GrainRuntime Build(string directory) => new GrainRuntimeBuilder()
        .AddGrain<ICounterGrain, CounterGrain>()
        .UseStorage(new FileGrainStorage(directory))
        .Build();
}
