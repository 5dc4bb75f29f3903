using Controller.Host.Api;

namespace Controller.Host.Tests.Api;

public sealed class ReadCoalescerTests
{
    [Fact]
    public async Task Reads_of_one_key_within_the_freshness_share_one_call_and_other_keys_get_their_own()
    {
        var reads = new ReadCoalescer<int>(TimeSpan.FromHours(1));
        var calls = 0;
        Task<int> Call() => Task.FromResult(Interlocked.Increment(ref calls));

        var first = await reads.GetAsync("r000", Call, CancellationToken.None);
        var second = await reads.GetAsync("r000", Call, CancellationToken.None);
        var other = await reads.GetAsync("r001", Call, CancellationToken.None);

        Assert.Equal(1, first);
        Assert.Equal(1, second);
        Assert.Equal(2, other);
        Assert.Equal(2, reads.Calls);
    }

    [Fact]
    public async Task A_stale_answer_or_a_forgotten_key_asks_again()
    {
        var calls = 0;
        Task<int> Call() => Task.FromResult(Interlocked.Increment(ref calls));
        var stale = new ReadCoalescer<int>(TimeSpan.Zero);
        await stale.GetAsync("u", Call, CancellationToken.None);
        Assert.Equal(2, await stale.GetAsync("u", Call, CancellationToken.None));

        var fresh = new ReadCoalescer<int>(TimeSpan.FromHours(1));
        await fresh.GetAsync("u", Call, CancellationToken.None);
        fresh.Forget("u");
        Assert.Equal(4, await fresh.GetAsync("u", Call, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_call_is_not_kept()
    {
        var reads = new ReadCoalescer<int>(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<TimeoutException>(() => reads.GetAsync("r", () => Task.FromException<int>(new TimeoutException("grain away")), CancellationToken.None));

        Assert.Equal(7, await reads.GetAsync("r", () => Task.FromResult(7), CancellationToken.None));
    }

    [Fact]
    public async Task A_reader_that_gives_up_does_not_cancel_the_call_others_share()
    {
        var reads = new ReadCoalescer<int>(TimeSpan.FromHours(1));
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();

        var first = reads.GetAsync("r", () => answer.Task, impatient.Token);
        var second = reads.GetAsync("r", () => Task.FromResult(-1), CancellationToken.None);
        await impatient.CancelAsync();
        answer.SetResult(5);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(5, await second);
        Assert.Equal(1, reads.Calls);
    }
}
