using System.Runtime.ExceptionServices;

namespace Controller.Grains;

/// <summary>How the drivers of runs through grains (<see cref="DbinumGrainRun"/>, <see cref="AggregationGrainRun"/>) make one phase's calls.</summary>
internal static class GrainCalls
{
    /// <summary>
    /// Sends <c>calls.Length</c> calls at once (call i is <paramref name="call"/>(i)) and stores reply i in
    /// <paramref name="results"/>[i]. Every reply is awaited even when one fails, so that none is left
    /// unobserved; then the first failure, in call order, is thrown.
    /// </summary>
    public static async Task CallAllAsync<T>(ValueTask<T>[] calls, Func<int, ValueTask<T>> call, T[] results)
    {
        for (var i = 0; i < calls.Length; i++)
        {
#pragma warning disable CA2012 // Held so that the calls run together; each is awaited exactly once below.
            try
            {
                calls[i] = call(i);
            }
            catch (Exception exception)
            {
                // A call that could not even be sent (a bad argument, say) must not leave the ones already sent unobserved.
                calls[i] = ValueTask.FromException<T>(exception);
            }
#pragma warning restore CA2012
        }

        ExceptionDispatchInfo? failure = null;
        for (var i = 0; i < calls.Length; i++)
        {
            try
            {
                results[i] = await calls[i].ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                failure ??= ExceptionDispatchInfo.Capture(exception);
            }
        }

        Array.Clear(calls);
        failure?.Throw();
    }
}
