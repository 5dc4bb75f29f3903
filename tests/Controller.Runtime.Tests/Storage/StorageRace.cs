using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.Storage;

/// <summary>The outcome of one racing writer: its new ETag, or the conflict it got.</summary>
internal sealed record RaceOutcome(int Writer, string? ETag, StorageConflictException? Conflict);

/// <summary>Starts many writes at once, released by one signal (no sleeps), and collects each outcome.</summary>
internal static class StorageRace
{
    public static async Task<RaceOutcome[]> RunAsync(int writers, Func<int, Task<string>> write)
    {
        // On a 2-core runner the pool has 2 threads, and its per-thread LIFO queue then runs each writer almost
        // to completion before the next one starts, so a missing lock goes unnoticed. With a thread per writer
        // they really overlap. Only ever raised, never lowered, so concurrent tests cannot undo each other.
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < writers * 2)
        {
            ThreadPool.SetMinThreads(writers * 2, io);
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                return new RaceOutcome(i, await write(i), null);
            }
            catch (StorageConflictException e)
            {
                return new RaceOutcome(i, null, e);
            }
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }
}
