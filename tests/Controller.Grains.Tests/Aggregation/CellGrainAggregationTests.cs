using Controller.Optimization.Aggregation;
using Controller.Radio.Scenarios;

namespace Controller.Grains.Tests.Aggregation;

/// <summary>
/// One cell grain's part in paper 004's aggregation: what it sends, and that bad input is rejected with the
/// cell unchanged. "Unchanged" is checked twice: the sequence right after the rejection, and the slots after
/// it, which must equal those of an <see cref="AggregationNode"/> that never saw the bad input.
/// </summary>
public sealed class CellGrainAggregationTests : IAsyncLifetime
{
    private const int Length = 4;
    private const string Cell = "r000/c00";

    private readonly Hosting.ControlPlaneSetup _plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs("agg-gnn", 2, new RadioConstants(1, 1, 0, "")));
    private readonly AggregationNode _reference = new(Length);
    private TestSilo _runtime = null!;

    public async Task InitializeAsync() => _runtime = await TestSilo.StartAsync(_plane);

    private ICellGrain Grain => _runtime.GetGrain<ICellGrain>(Cell);

    [Fact]
    public async Task AggregationBeginSlotAsync_Inactive_SendsNothingKeepsItsObservationAndStillReceives()
    {
        await JoinAndRunTwoSlotsAsync();

        var sent = await Grain.AggregationBeginSlotAsync(double.NaN, active: false, CancellationToken.None);
        var sequence = await Grain.AggregationReceiveAsync([new AggregationMessage(0.5, [8.0, 6.0, 4.0])], CancellationToken.None);

        Assert.Empty(sent);
        // y^(0) keeps the last observed state (2.5); y^(1..3) = 0.5 x the neighbour's message; NaN was never read.
        Assert.Equal([2.5, 4.0, 3.0, 2.0], sequence);
        Assert.Equal(sequence, await Grain.AggregationSequenceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AggregationBeginSlotAsync_Active_SendsThePreviousSequenceWithoutItsLastHop()
    {
        await JoinAndRunTwoSlotsAsync();
        var previous = await Grain.AggregationSequenceAsync(CancellationToken.None);

        var sent = await Grain.AggregationBeginSlotAsync(7.0, active: true, CancellationToken.None);

        var after = await Grain.AggregationSequenceAsync(CancellationToken.None);

        Assert.Equal(previous[..^1], sent);
        Assert.Equal([7.0, 0, 0, 0], after);
    }

    [Theory]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    [InlineData(double.NegativeInfinity, false)]
    [InlineData(double.NaN, true)]
    public async Task AggregationBeginSlotAsync_ActiveWithNonFiniteState_RejectedAndCellUnchanged(double state, bool serializeCalls)
    {
        _ = serializeCalls; // Orleans copies every non-[Immutable] argument; both cases now take the same path.
        var runtime = _runtime;
        var grain = runtime.GetGrain<ICellGrain>(Cell);
        await JoinAndRunTwoSlotsAsync(grain);
        var before = await grain.AggregationSequenceAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.AggregationBeginSlotAsync(state, active: true, CancellationToken.None).AsTask());

        Assert.Equal("state", error.ParamName);
        Assert.Contains(Cell, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await grain.AggregationSequenceAsync(CancellationToken.None));
        await AssertContinuesAsTheReferenceAsync(grain);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-1e-300)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public async Task AggregationReceiveAsync_NegativeOrNonFiniteWeight_RejectedAndNoMessageOfTheBatchApplied(double weight)
    {
        await JoinAndRunTwoSlotsAsync();
        await BeginSlotAsync(5.0);
        var before = await Grain.AggregationSequenceAsync(CancellationToken.None);

        // The good first message must not be applied either: the batch is checked before any of it is.
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Grain.AggregationReceiveAsync(
            [new AggregationMessage(1.0, [1.0, 2.0, 3.0]), new AggregationMessage(weight, [1.0, 2.0, 3.0])], CancellationToken.None).AsTask());

        Assert.Equal("messages", error.ParamName);
        Assert.Contains("Message 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("weight", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Grain.AggregationSequenceAsync(CancellationToken.None));
        await AssertContinuesAsTheReferenceAsync(Grain);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task AggregationReceiveAsync_WrongNumberOfScalars_RejectedAndCellUnchanged(int scalars)
    {
        await JoinAndRunTwoSlotsAsync();
        await BeginSlotAsync(5.0);
        var before = await Grain.AggregationSequenceAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Grain.AggregationReceiveAsync(
            [new AggregationMessage(1.0, [1.0, 2.0, 3.0]), new AggregationMessage(1.0, [.. Enumerable.Repeat(1.0, scalars)])], CancellationToken.None).AsTask());

        Assert.Equal("messages", error.ParamName);
        Assert.Contains($"carries {scalars} values", error.Message, StringComparison.Ordinal);
        Assert.Contains("K-1 = 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Grain.AggregationSequenceAsync(CancellationToken.None));
        await AssertContinuesAsTheReferenceAsync(Grain);
    }

    [Fact]
    public async Task AggregationReceiveAsync_NonFiniteValue_RejectedAndCellUnchanged()
    {
        await JoinAndRunTwoSlotsAsync();
        await BeginSlotAsync(5.0);
        var before = await Grain.AggregationSequenceAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Grain.AggregationReceiveAsync(
            [new AggregationMessage(1.0, [1.0, double.NaN, 3.0])], CancellationToken.None).AsTask());

        Assert.Contains("hop 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Grain.AggregationSequenceAsync(CancellationToken.None));
        await AssertContinuesAsTheReferenceAsync(Grain);
    }

    [Fact]
    public async Task AggregationCalls_BeforeJoiningOrBeforeTheFirstSlot_Throw()
    {
        var notJoined = await Assert.ThrowsAsync<InvalidOperationException>(() => Grain.AggregationBeginSlotAsync(1.0, true, CancellationToken.None).AsTask());
        Assert.Contains("AggregationJoinAsync", notJoined.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Grain.AggregationSequenceAsync(CancellationToken.None).AsTask());

        await Grain.AggregationJoinAsync(Length, CancellationToken.None);
        var noSlot = await Assert.ThrowsAsync<InvalidOperationException>(() => Grain.AggregationReceiveAsync([], CancellationToken.None).AsTask());

        Assert.Contains("AggregationBeginSlotAsync", noSlot.Message, StringComparison.Ordinal);
        Assert.Equal(new double[Length], await Grain.AggregationSequenceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AggregationJoinAsync_LengthBelowOne_Throws()
        => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Grain.AggregationJoinAsync(0, CancellationToken.None).AsTask());

    public async Task DisposeAsync() => await _runtime.DisposeAsync();

    private Task JoinAndRunTwoSlotsAsync() => JoinAndRunTwoSlotsAsync(Grain);

    // Slots 1-2 on the grain and on the reference node: the cell hears itself (weight 1.5) and a neighbour.
    private async Task JoinAndRunTwoSlotsAsync(ICellGrain grain)
    {
        await grain.AggregationJoinAsync(Length, CancellationToken.None);
        foreach (var state in new[] { 1.0, 2.5 })
        {
            var sent = await grain.AggregationBeginSlotAsync(state, active: true, CancellationToken.None);
            _reference.BeginSlot(true, state);
            Assert.Equal(_reference.Outgoing.ToArray(), sent);
            AggregationMessage[] messages = [new(1.5, sent), new(0.25, [2.0, 1.0, 0.5])];
            await grain.AggregationReceiveAsync(messages, CancellationToken.None);
            foreach (var message in messages)
            {
                _reference.Receive(message.Weight, [.. message.Values]);
            }
        }

        Assert.Equal(_reference.Sequence.ToArray(), await grain.AggregationSequenceAsync(CancellationToken.None));
    }

    private async Task BeginSlotAsync(double state)
    {
        await Grain.AggregationBeginSlotAsync(state, active: true, CancellationToken.None);
        _reference.BeginSlot(true, state);
    }

    // Two more slots with good input: the grain must give exactly the reference node's numbers.
    private async Task AssertContinuesAsTheReferenceAsync(ICellGrain grain)
    {
        for (var slot = 0; slot < 2; slot++)
        {
            var state = 3.0 + slot;
            var sent = await grain.AggregationBeginSlotAsync(state, active: true, CancellationToken.None);
            _reference.BeginSlot(true, state);
            Assert.Equal(_reference.Outgoing.ToArray(), sent);
            var sequence = await grain.AggregationReceiveAsync([new AggregationMessage(0.75, sent)], CancellationToken.None);
            _reference.Receive(0.75, sent);
            Assert.Equal(_reference.Sequence.ToArray(), sequence);
        }
    }
}
