using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Runtime.Cluster;

/// <summary>
/// Grain calls between silos over HTTP/2 (Kestrel on the receiving side, <see cref="SiloServer"/>): one POST per
/// call while fewer than <see cref="MaxConcurrentRequests"/> are in flight to a silo, and beyond that the calls queued
/// meanwhile share one POST (a batch), so the per-request cost is paid once per round trip under load; all
/// multiplexed on one connection per silo. Silo addresses are static (from the command line, or
/// the StatefulSet's stable DNS names): Kubernetes restarts a failed pod under the same name, so no membership
/// protocol is needed.
/// </summary>
public sealed class HttpClusterTransport : IClusterTransport, IDisposable
{
    /// <summary>Default time a call may take before the silo counts as unavailable.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Requests in flight to one silo before further calls are batched.</summary>
    public const int MaxConcurrentRequests = 4;

    /// <summary>Most calls in one batch.</summary>
    public const int MaxBatch = 256;

    /// <summary>Most bytes of calls in one batch: 1 MiB, a sixteenth of a silo's default body limit.</summary>
    public const long MaxBatchBytes = 1 << 20;

    private readonly FrozenDictionary<SiloId, Outbox> _outboxes;
    private readonly HttpClient _http;

    /// <summary>Calls the silos at <paramref name="silos"/> (base addresses such as http://inference-0.inference:11111).</summary>
    public HttpClusterTransport(IReadOnlyDictionary<SiloId, Uri> silos, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(silos);
        foreach (var (silo, address) in silos)
        {
            if (address is null || !address.IsAbsoluteUri || address.Scheme != Uri.UriSchemeHttp)
            {
                throw new ArgumentException($"Silo {silo.Ordinal} needs an absolute http:// address (HTTP/2 without TLS, inside the cluster network); got '{address}'.", nameof(silos));
            }
        }

        var timeout = callTimeout ?? DefaultCallTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(callTimeout));
        _outboxes = silos.ToFrozenDictionary(s => s.Key, s => new Outbox(s.Key, new Uri(s.Value, SiloServer.CallsPath), new Uri(s.Value, SiloServer.BatchPath)));
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Regions call from many threads at once; a second connection opens when one reaches its stream limit.
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout,
        };
    }

    /// <summary>The silos this transport reaches and their call addresses.</summary>
    public IReadOnlyDictionary<SiloId, Uri> Silos => _outboxes.ToDictionary(o => o.Key, o => o.Value.CallsAddress);

    /// <inheritdoc />
    public async Task<byte[]> CallAsync(SiloId silo, byte[] encodedCall, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encodedCall);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_outboxes.TryGetValue(silo, out var outbox))
        {
            throw new SiloUnavailableException($"Silo {silo.Ordinal} has no address in this cluster's configuration.");
        }

        var pending = new PendingCall(encodedCall, cancellationToken);
        outbox.Queue.Enqueue(pending);
        if (Interlocked.Increment(ref outbox.Senders) <= MaxConcurrentRequests)
        {
            _ = SendLoopAsync(outbox);
        }
        else
        {
            // Every sender is busy: one of them takes this call with the next batch.
            Interlocked.Decrement(ref outbox.Senders);
        }

        using (cancellationToken.Register(static state => ((PendingCall)state!).Reply.TrySetCanceled(), pending))
        {
            return await pending.Reply.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One of at most <see cref="MaxConcurrentRequests"/> senders of a silo: sends what is queued (one call alone, or
    /// up to <see cref="MaxBatch"/> as one batch) until the queue is empty. Under light load every call goes out at once
    /// on its own; when all senders are busy, calls wait at most one round trip and share the next request.
    /// </summary>
    private async Task SendLoopAsync(Outbox outbox)
    {
        var batch = new List<PendingCall>();
        PendingCall? carried = null;
        while (true)
        {
            batch.Clear();
            var bytes = 0L;
            if (carried is not null)
            {
                batch.Add(carried);
                bytes = carried.Call.Length + 1;
                carried = null;
            }

            // A batch stops at MaxBatch calls or MaxBatchBytes (kept well below the silo's body limit); the call that
            // would pass the limit is carried to this sender's next batch (a call too large to share goes alone).
            while (batch.Count < MaxBatch && outbox.Queue.TryDequeue(out var next))
            {
                if (next.Reply.Task.IsCompleted)
                {
                    continue;
                }

                if (batch.Count > 0 && bytes + next.Call.Length >= MaxBatchBytes)
                {
                    carried = next;
                    break;
                }

                batch.Add(next);
                bytes += next.Call.Length + 1;
            }

            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref outbox.Senders);
                // A call queued after this decrement finds a free sender slot and starts its own sender; one queued between
                // the empty check above and the decrement saw every sender busy and left itself to us: take it back up.
                if (outbox.Queue.IsEmpty)
                {
                    return;
                }

                if (Interlocked.Increment(ref outbox.Senders) > MaxConcurrentRequests)
                {
                    Interlocked.Decrement(ref outbox.Senders);
                    return;
                }

                continue;
            }

            try
            {
                if (batch.Count == 1)
                {
                    batch[0].Reply.TrySetResult(await PostAsync(outbox, outbox.CallsAddress, batch[0].Call, batch[0].CancellationToken).ConfigureAwait(false));
                }
                else
                {
                    AnswerBatch(outbox.Silo, batch, await PostAsync(outbox, outbox.BatchAddress, JoinBatch(batch), CancellationToken.None).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (batch.Count == 1 && batch[0].CancellationToken.IsCancellationRequested)
            {
                batch[0].Reply.TrySetCanceled(batch[0].CancellationToken);
            }
            catch (Exception exception)
            {
                foreach (var call in batch)
                {
                    call.Reply.TrySetException(exception);
                }
            }
        }
    }

    private static byte[] JoinBatch(List<PendingCall> batch)
    {
        var length = batch.Sum(c => c.Call.Length) + batch.Count + 1;
        var body = new byte[length];
        var at = 0;
        body[at++] = (byte)'[';
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }

            batch[i].Call.CopyTo(body, at);
            at += batch[i].Call.Length;
        }

        body[at] = (byte)']';
        return body;
    }

    private static void AnswerBatch(SiloId silo, List<PendingCall> batch, byte[] reply)
    {
        using var document = JsonDocument.Parse(reply);
        var entries = document.RootElement;
        if (entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() != batch.Count)
        {
            throw new GrainCallSerializationException($"Silo {silo.Ordinal} answered a batch of {batch.Count} calls with something else than {batch.Count} replies.");
        }

        var i = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            var status = (HttpStatusCode)entry.GetProperty("status").GetInt32();
            var body = JsonMarshal.GetRawUtf8Value(entry.GetProperty("body"));
            if (status == HttpStatusCode.OK)
            {
                batch[i].Reply.TrySetResult(body.ToArray());
            }
            else
            {
                batch[i].Reply.TrySetException(Failure(silo, status, body));
            }

            i++;
        }
    }

    /// <summary>One POST; the reply body when the status is 200, else the exception the problem stands for.</summary>
    private async Task<byte[]> PostAsync(Outbox outbox, Uri address, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var silo = outbox.Silo;
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(address, content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new SiloUnavailableException($"Silo {silo.Ordinal} at {address.GetLeftPart(UriPartial.Authority)} is unreachable: {exception.Message}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SiloUnavailableException($"Silo {silo.Ordinal} at {address.GetLeftPart(UriPartial.Authority)} did not answer within {_http.Timeout.TotalSeconds:0.###} s.", exception);
        }

        using (response)
        {
            byte[] reply;
            try
            {
                reply = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException exception)
            {
                throw new SiloUnavailableException($"Silo {silo.Ordinal} at {address.GetLeftPart(UriPartial.Authority)} broke off its reply: {exception.Message}", exception);
            }

            return response.StatusCode == HttpStatusCode.OK ? reply : throw Failure(silo, response.StatusCode, reply);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>The exception a failed call's problem reply stands for.</summary>
    internal static Exception Failure(SiloId silo, HttpStatusCode status, ReadOnlySpan<byte> body)
    {
        string detail;
        string? type = null;
        try
        {
            using var problem = JsonDocument.Parse(body.ToArray());
            detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : $"HTTP {(int)status}";
            if (problem.RootElement.TryGetProperty("exception", out var e) && e.ValueKind == JsonValueKind.String)
            {
                type = e.GetString();
            }
        }
        catch (JsonException)
        {
            detail = $"HTTP {(int)status} without a problem body";
        }

        return status switch
        {
            HttpStatusCode.ServiceUnavailable => new SiloUnavailableException($"Silo {silo.Ordinal} is stopping: {detail}"),
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge => new GrainCallSerializationException($"Silo {silo.Ordinal} refused the call ({(int)status}): {detail}"),
            HttpStatusCode.InternalServerError when type is not null => Rethrown(new RemoteGrainCallException(detail, type, silo)),
            _ => new RemoteGrainCallException($"Silo {silo.Ordinal} answered {(int)status}: {detail}", type ?? typeof(Exception).FullName!, silo),
        };
    }

    // The BCL types callers catch are rebuilt with the remote message, so grain code handles a remote grain's
    // argument or state error exactly as a local one's; the remote exception stays inside for the record.
    private static Exception Rethrown(RemoteGrainCallException remote) => remote.RemoteType switch
    {
        "System.ArgumentException" => new ArgumentException(remote.Message, remote),
        "System.ArgumentOutOfRangeException" => new ArgumentOutOfRangeException(remote.Message, remote),
        "System.ArgumentNullException" => new ArgumentNullException(remote.Message, remote),
        "System.InvalidOperationException" => new InvalidOperationException(remote.Message, remote),
        "System.NotSupportedException" => new NotSupportedException(remote.Message, remote),
        "System.Collections.Generic.KeyNotFoundException" => new KeyNotFoundException(remote.Message, remote),
        "System.FormatException" => new FormatException(remote.Message, remote),
        "System.TimeoutException" => new TimeoutException(remote.Message, remote),
        "System.IO.IOException" => new IOException(remote.Message, remote),
        "System.IO.InvalidDataException" => new InvalidDataException(remote.Message, remote),
        _ => remote,
    };

    /// <summary>A call waiting for a sender, and its reply.</summary>
    private sealed class PendingCall(byte[] call, CancellationToken cancellationToken)
    {
        public byte[] Call => call;

        public CancellationToken CancellationToken => cancellationToken;

        public TaskCompletionSource<byte[]> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The calls queued for one silo and how many senders work them.</summary>
    private sealed class Outbox(SiloId silo, Uri callsAddress, Uri batchAddress)
    {
        public SiloId Silo => silo;

        public Uri CallsAddress => callsAddress;

        public Uri BatchAddress => batchAddress;

        public System.Collections.Concurrent.ConcurrentQueue<PendingCall> Queue { get; } = new();

#pragma warning disable CA1051, SA1401 // A counter updated with Interlocked needs to be a field.
        public int Senders;
#pragma warning restore CA1051, SA1401
    }
}
