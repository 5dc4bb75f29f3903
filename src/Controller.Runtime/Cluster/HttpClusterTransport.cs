using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Runtime.Cluster;

/// <summary>
/// Grain calls between silos over HTTP/2 (Kestrel on the receiving side, <see cref="SiloServer"/>): one POST per
/// call, many calls multiplexed on one connection per silo. Silo addresses are static (from the command line, or
/// the StatefulSet's stable DNS names): Kubernetes restarts a failed pod under the same name, so no membership
/// protocol is needed.
/// </summary>
public sealed class HttpClusterTransport : IClusterTransport, IDisposable
{
    /// <summary>Default time a call may take before the silo counts as unavailable.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(10);

    private readonly FrozenDictionary<SiloId, Uri> _silos;
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
        _silos = silos.ToFrozenDictionary(s => s.Key, s => new Uri(s.Value, SiloServer.CallsPath));
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
    public IReadOnlyDictionary<SiloId, Uri> Silos => _silos;

    /// <inheritdoc />
    public async Task<byte[]> CallAsync(SiloId silo, byte[] encodedCall, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encodedCall);
        if (!_silos.TryGetValue(silo, out var address))
        {
            throw new SiloUnavailableException($"Silo {silo.Ordinal} has no address in this cluster's configuration.");
        }

        using var content = new ByteArrayContent(encodedCall);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
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
            byte[] body;
            try
            {
                body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException exception)
            {
                throw new SiloUnavailableException($"Silo {silo.Ordinal} at {address.GetLeftPart(UriPartial.Authority)} broke off its reply: {exception.Message}", exception);
            }

            if (response.StatusCode == HttpStatusCode.OK)
            {
                return body;
            }

            throw Failure(silo, response.StatusCode, body);
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
}
