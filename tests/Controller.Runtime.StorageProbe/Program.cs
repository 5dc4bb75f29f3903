using System.Globalization;
using Controller.Runtime.Storage;
using Controller.Runtime.StorageProbe;

// Usage: Controller.Runtime.StorageProbe DIRECTORY [PAYLOAD_BYTES]
// Rewrites one grain state in DIRECTORY as fast as it can, continuing from the stored version, and prints
// each committed sequence number on its own line once WriteAsync has returned. Runs until killed, or until
// its stdin closes so that a crashed test run cannot leave it writing forever.
if (args.Length is < 1 or > 2)
{
    await Console.Error.WriteLineAsync("usage: Controller.Runtime.StorageProbe DIRECTORY [PAYLOAD_BYTES]");
    return 2;
}

var size = ProbePayload.DefaultSize;
if (args.Length == 2 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < sizeof(long)))
{
    await Console.Error.WriteLineAsync($"error: PAYLOAD_BYTES must be an integer of at least {sizeof(long)}, got '{args[1]}'.");
    return 2;
}

using var stop = new CancellationTokenSource();
_ = Task.Run(async () =>
{
    await Console.In.ReadToEndAsync().ConfigureAwait(false);
    await stop.CancelAsync().ConfigureAwait(false);
});

var storage = new FileGrainStorage(args[0]);
var stored = await storage.ReadAsync(ProbePayload.Grain, ProbePayload.StateName, CancellationToken.None);
long sequence = 0;
if (stored is not null && !ProbePayload.TryRead(stored.Data.Span, out sequence))
{
    await Console.Error.WriteLineAsync($"error: the state at {storage.Describe(ProbePayload.Grain, ProbePayload.StateName)} passed its checksum but is not a probe payload.");
    return 3;
}

var etag = stored?.ETag;
try
{
    while (true)
    {
        sequence++;
        etag = await storage.WriteAsync(ProbePayload.Grain, ProbePayload.StateName, ProbePayload.Create(sequence, size), etag, stop.Token);
        Console.Out.WriteLine(sequence.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
