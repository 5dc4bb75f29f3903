using System.Diagnostics;
using Controller.Runtime.Diagnostics;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>Measures every storage operation of an inner provider (latency, conflicts) without changing it.</summary>
internal sealed class InstrumentedGrainStorage(IGrainStorage inner, RuntimeInstruments instruments) : IGrainStorage
{
    public string Name => inner.Name;

    public string Describe(GrainId grain, string stateName) => inner.Describe(grain, stateName);

    public Task<StoredState?> ReadAsync(GrainId grain, string stateName, CancellationToken cancellationToken)
        => MeasureAsync("read", () => inner.ReadAsync(grain, stateName, cancellationToken));

    public Task<string> WriteAsync(GrainId grain, string stateName, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
        => MeasureAsync("write", () => inner.WriteAsync(grain, stateName, data, expectedETag, cancellationToken));

    public Task ClearAsync(GrainId grain, string stateName, string? expectedETag, CancellationToken cancellationToken)
        => MeasureAsync("clear", async () =>
        {
            await inner.ClearAsync(grain, stateName, expectedETag, cancellationToken).ConfigureAwait(false);
            return true;
        });

    private async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var conflict = false;
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (StorageConflictException)
        {
            conflict = true;
            throw;
        }
        finally
        {
            instruments.RecordStorage(inner.Name, operation, Stopwatch.GetElapsedTime(started), conflict);
        }
    }
}
