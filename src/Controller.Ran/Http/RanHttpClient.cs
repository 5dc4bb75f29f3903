using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Controller.Ran.Contract;

namespace Controller.Ran.Http;

/// <summary>
/// A RAN in another process, reached over the protocol of <see cref="RanHttpServer"/>. The caller owns the
/// <see cref="HttpClient"/> (its timeout, handler, HTTP version and lifetime). Connection failures, timeouts,
/// 5xx answers and unreadable responses throw <see cref="RanUnavailableException"/>; 4xx answers throw
/// <see cref="RanRejectedException"/> carrying the problem's "detail" and a <see cref="RanRejection"/> from the
/// status (404 unknown id, 409 wrong slot, 413 too large, others invalid request). Cancellation through the
/// caller's token throws <see cref="OperationCanceledException"/>. Thread-safe like <see cref="HttpClient"/>.
/// </summary>
public sealed class RanHttpClient : IRanAdapter, IRanControl
{
    private readonly HttpClient _http;
    private readonly Uri _address;
    private readonly string? _controllerId;

    /// <summary>
    /// Creates a client of the RAN at <paramref name="ranAddress"/> (e.g. http://127.0.0.1:5080). Its decision pushes
    /// carry <paramref name="controllerId"/> (e.g. host:pid:silo-port) in the <c>X-Controller-Id</c> header, so that the
    /// RAN's control log can tell controllers apart; none when null.
    /// </summary>
    public RanHttpClient(HttpClient httpClient, Uri ranAddress, string? controllerId = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(ranAddress);
        if (!ranAddress.IsAbsoluteUri || (ranAddress.Scheme != Uri.UriSchemeHttp && ranAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The RAN address must be an absolute http or https URL (got '{ranAddress}').", nameof(ranAddress));
        }

        if (controllerId is not null && RanControlLog.Check(controllerId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(controllerId));
        }

        _controllerId = controllerId;
        _http = httpClient;
        // Relative routes resolve under the address only when it ends with '/'.
        _address = ranAddress.AbsoluteUri.EndsWith('/') ? ranAddress : new Uri(ranAddress.AbsoluteUri + "/");
    }

    /// <summary>The RAN's base address.</summary>
    public Uri Address => _address;

    /// <summary>The id this client's decision pushes carry; null when none.</summary>
    public string? ControllerId => _controllerId;

    /// <inheritdoc />
    public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, RanRoutes.Topology[1..], content: null, RanJsonContext.Default.RanTopology, cancellationToken);

    /// <inheritdoc />
    public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        return SendAsync(HttpMethod.Get, RanRoutes.TelemetryOf(regionId), content: null, RanJsonContext.Default.RegionTelemetry, cancellationToken);
    }

    /// <inheritdoc />
    public Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        ArgumentNullException.ThrowIfNull(decision);
        return SendAsync(HttpMethod.Post, RanRoutes.DecisionsOf(regionId), Json(decision, RanJsonContext.Default.RegionDecision), RanJsonContext.Default.DecisionReceipt, cancellationToken, _controllerId);
    }

    /// <summary>
    /// The RAN's control log (<c>GET /ran/control-log</c>): who had decisions accepted for each region, overlaps; with
    /// <paramref name="since"/>, also each region's accepted decisions after that time.
    /// </summary>
    public Task<ControlLogSnapshot> GetControlLogAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var route = RanRoutes.ControlLog[1..];
        if (since is { } from)
        {
            route += "?since=" + Uri.EscapeDataString(from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        return SendAsync(HttpMethod.Get, route, content: null, RanJsonContext.Default.ControlLogSnapshot, cancellationToken);
    }

    /// <inheritdoc />
    public Task SetDemandAsync(string userId, double demand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return SendAsync<object>(HttpMethod.Put, RanRoutes.DemandOf(userId), Json(new DemandBody(demand), RanJsonContext.Default.DemandBody), response: null, cancellationToken);
    }

    /// <inheritdoc />
    public Task InjectFaultAsync(string regionId, RanFault fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        ArgumentNullException.ThrowIfNull(fault);
        var body = new FaultBody(RanFault.NameOf(fault.Kind), fault.Pulls);
        return SendAsync<object>(HttpMethod.Post, RanRoutes.FaultsOf(regionId), Json(body, RanJsonContext.Default.FaultBody), response: null, cancellationToken);
    }

    /// <inheritdoc />
    public Task ClearFaultAsync(string regionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        return SendAsync<object>(HttpMethod.Delete, RanRoutes.FaultsOf(regionId), content: null, response: null, cancellationToken);
    }

    /// <summary>
    /// A JSON body with its Content-Length. The RAN then rejects an oversized body from its header, before the client
    /// has written it; a streamed (chunked) body was rejected part-way, and the client, still writing when the RAN closed
    /// the connection, sometimes saw a broken pipe instead of the 413.
    /// </summary>
    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string route, HttpContent? content, JsonTypeInfo<T>? response, CancellationToken cancellationToken, string? controllerId = null)
    {
        var uri = new Uri(_address, route);
        try
        {
            using var request = new HttpRequestMessage(method, uri)
            {
                Content = content,
                Version = _http.DefaultRequestVersion,
                VersionPolicy = _http.DefaultVersionPolicy,
            };
            if (controllerId is not null)
            {
                request.Headers.TryAddWithoutValidation(RanControlLog.HeaderName, controllerId);
            }

            using var answer = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccessStatusCode)
            {
                throw await FailureAsync(method, uri, answer, cancellationToken).ConfigureAwait(false);
            }

            if (response is null)
            {
                return default!;
            }

            return await answer.Content.ReadFromJsonAsync(response, cancellationToken).ConfigureAwait(false)
                ?? throw new RanUnavailableException($"The RAN answered {method} {uri} with null.");
        }
        catch (HttpRequestException exception)
        {
            throw new RanUnavailableException($"The RAN at {_address} is unreachable ({method} {uri.AbsolutePath}): {exception.Message}", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RanUnavailableException($"The RAN at {_address} did not answer {method} {uri.AbsolutePath} in time.", exception);
        }
        catch (JsonException exception)
        {
            throw new RanUnavailableException($"The RAN at {_address} sent an unreadable answer to {method} {uri.AbsolutePath}: {exception.Message}", exception);
        }
        catch (IOException exception)
        {
            throw new RanUnavailableException($"The RAN at {_address} broke the connection ({method} {uri.AbsolutePath}): {exception.Message}", exception);
        }
    }

    private static async Task<Exception> FailureAsync(HttpMethod method, Uri uri, HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var status = (int)answer.StatusCode;
        var detail = await ReadDetailAsync(answer, cancellationToken).ConfigureAwait(false)
            ?? $"{method} {uri.AbsolutePath} answered {status} {answer.ReasonPhrase}.";
        if (status >= 500)
        {
            return new RanUnavailableException($"The RAN failed ({status}): {detail}");
        }

        var reason = answer.StatusCode switch
        {
            HttpStatusCode.NotFound => RanRejection.UnknownId,
            HttpStatusCode.Conflict => RanRejection.WrongSlot,
            HttpStatusCode.RequestEntityTooLarge => RanRejection.TooLarge,
            _ => RanRejection.InvalidRequest,
        };
        return new RanRejectedException(reason, detail);
    }

    /// <summary>The problem's "detail" (or "title"); null when the body is not a problem details object.</summary>
    private static async Task<string?> ReadDetailAsync(HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        try
        {
            var text = await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length == 0)
            {
                return null;
            }

            var problem = JsonSerializer.Deserialize(text, RanJsonContext.Default.ProblemBody);
            return problem?.Detail ?? problem?.Title;
        }
        catch (JsonException)
        {
            // Not a problem details body (a proxy's HTML page, say): the status line says enough.
            return null;
        }
    }
}
