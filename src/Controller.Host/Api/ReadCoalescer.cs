using System.Collections.Concurrent;
using System.Diagnostics;

namespace Controller.Host.Api;

/// <summary>
/// Shares one grain call among the reads of the same entity that arrive within <see cref="DefaultFreshness"/>: under heavy
/// read load (dashboards, scrapers, <c>controller bench api</c>) a region or user grain then answers about ten reads a
/// second instead of thousands, so reads do not queue on the grains whose turns the control loops need. A read sees
/// state at most <see cref="DefaultFreshness"/> old (one loop at the default period); a mutation through the API forgets the
/// entities it changed, so the next read after it asks the grain. A failed call is not kept.
/// </summary>
/// <typeparam name="T">What the grain returns.</typeparam>
/// <param name="freshness">How long an answer serves further reads (default <see cref="DefaultFreshness"/>).</param>
internal sealed class ReadCoalescer<T>(TimeSpan? freshness = null)
{
    /// <summary>The API's freshness: one loop at the default period.</summary>
    public static readonly TimeSpan DefaultFreshness = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an answer serves further reads.</summary>
    public TimeSpan Freshness { get; } = freshness ?? DefaultFreshness;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Calls made (for tests and diagnostics).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    /// <summary>
    /// The answer for <paramref name="key"/>: a shared one younger than <see cref="Freshness"/>, or a new call. The
    /// call runs without the request's cancellation (other requests share it); a caller that gives up stops waiting.
    /// </summary>
    public Task<T> GetAsync(string key, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry) && Stopwatch.GetElapsedTime(entry.Started, now) < Freshness && !entry.Answer.IsFaulted && !entry.Answer.IsCanceled)
        {
            return entry.Answer.WaitAsync(cancellationToken);
        }

        var fresh = new Entry(now, CallAsync(key, call));
        _entries[key] = fresh;
        return fresh.Answer.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets <paramref name="key"/>'s answer: the next read asks the grain.</summary>
    public void Forget(string key) => _entries.TryRemove(key, out _);

    private async Task<T> CallAsync(string key, Func<Task<T>> call)
    {
        Interlocked.Increment(ref _calls);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch
        {
            Forget(key);
            throw;
        }
    }

    private sealed record Entry(long Started, Task<T> Answer);
}
