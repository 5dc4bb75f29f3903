using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Controller.Persistence.Tests.Grains;

/// <summary>A grain that writes its state only while it deactivates, as the control grains checkpoint at shutdown.</summary>
public interface ILateWriterGrain : IGrainWithStringKey
{
    Task SetAsync(int value);
}

public sealed class LateWriterGrain([PersistentState("s", "process")] IPersistentState<CounterState> state) : Grain, ILateWriterGrain
{
    public Task SetAsync(int value)
    {
        state.State.Total = value;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await state.WriteStateAsync(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }
}

/// <summary><see cref="ProcessGrainStorage"/>: the in-process provider of single-process hosts.</summary>
public sealed class ProcessGrainStorageTests
{
    private static readonly GrainId Grain = GrainId.Create("counter", "a");

    [Fact]
    public async Task Write_then_read_returns_a_copy_with_the_etag()
    {
        var storage = new ProcessGrainStorage("process");
        var written = new GrainState<CounterState>(new CounterState { Total = 3, Added = [1, 2] });

        await storage.WriteStateAsync("s", Grain, written);
        written.State!.Added.Add(99);
        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("s", Grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(3, read.State!.Total);
        Assert.Equal([1, 2], read.State!.Added);
        Assert.NotSame(written.State, read.State);
    }

    [Fact]
    public async Task Read_of_nothing_leaves_the_fresh_state_and_no_etag()
    {
        var storage = new ProcessGrainStorage("process");
        var read = new GrainState<CounterState>(new CounterState { Total = 7 }) { ETag = "x" };

        await storage.ReadStateAsync("s", Grain, read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal(7, read.State!.Total);
    }

    [Fact]
    public async Task A_stale_writer_is_refused_and_the_newer_state_stays()
    {
        var storage = new ProcessGrainStorage("process");
        var first = new GrainState<CounterState>(new CounterState { Total = 1 });
        await storage.WriteStateAsync("s", Grain, first);
        var stale = new GrainState<CounterState>(new CounterState { Total = 1 }) { ETag = first.ETag };
        first.State!.Total = 2;
        await storage.WriteStateAsync("s", Grain, first);

        stale.State!.Total = 50;
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", Grain, stale));
        var clear = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", Grain, stale));

        Assert.Contains("refused to write state 's'", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused to clear", clear.Message, StringComparison.Ordinal);
        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("s", Grain, read);
        Assert.Equal(2, read.State!.Total);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task A_first_write_with_an_etag_is_refused()
    {
        var storage = new ProcessGrainStorage("process");

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", Grain, new GrainState<CounterState>(new CounterState()) { ETag = "7" }));

        Assert.Equal(0, storage.Count);
    }

    [Fact]
    public async Task Clear_removes_the_state_and_states_are_kept_per_name_and_grain()
    {
        var storage = new ProcessGrainStorage("process");
        var a = new GrainState<CounterState>(new CounterState { Total = 1 });
        var other = new GrainState<CounterState>(new CounterState { Total = 2 });
        var otherName = new GrainState<CounterState>(new CounterState { Total = 3 });
        await storage.WriteStateAsync("s", Grain, a);
        await storage.WriteStateAsync("s", GrainId.Create("counter", "b"), other);
        await storage.WriteStateAsync("t", Grain, otherName);

        await storage.ClearStateAsync("s", Grain, a);

        Assert.False(a.RecordExists);
        Assert.Null(a.ETag);
        Assert.Equal(2, storage.Count);
        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("t", Grain, read);
        Assert.Equal(3, read.State!.Total);
    }

    [Fact]
    public async Task A_state_the_serializer_refuses_changes_nothing()
    {
        var storage = new ProcessGrainStorage("process");
        var good = new GrainState<double[]>([1.0]);
        await storage.WriteStateAsync("s", Grain, good);

        var bad = new GrainState<double[]>([double.NaN]) { ETag = good.ETag };
        await Assert.ThrowsAnyAsync<Exception>(() => storage.WriteStateAsync("s", Grain, bad));

        var read = new GrainState<double[]>([]);
        await storage.ReadStateAsync("s", Grain, read);
        Assert.Equal([1.0], read.State!);
        Assert.Equal(good.ETag, read.ETag);
    }

    /// <summary>
    /// The reason the provider exists: a grain's last write while its silo stops must land. Orleans' memory provider
    /// failed here ("No active nodes are compatible with grain memorystorage").
    /// </summary>
    [Fact]
    public async Task A_write_made_while_the_silo_stops_is_kept()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddProcessGrainStorage("process"));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var storage = Assert.IsType<ProcessGrainStorage>(cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>("process"));
        var grain = cluster.Client.GetGrain<ILateWriterGrain>("late");
        await grain.SetAsync(42);
        Assert.Equal(0, storage.Count);

        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();

        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("s", grain.GetGrainId(), read);
        Assert.True(read.RecordExists);
        Assert.Equal(42, read.State!.Total);
    }
}
