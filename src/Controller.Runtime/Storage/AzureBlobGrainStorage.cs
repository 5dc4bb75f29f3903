using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// Grain state in Azure Blob storage (or Azurite), one block blob per state at
/// <c>&lt;container&gt;/&lt;type&gt;/&lt;escaped key&gt;/&lt;state&gt;</c>, spoken to over the Blob REST API
/// with Shared Key authorization. Optimistic concurrency is the service's: writes carry
/// <c>If-None-Match: *</c> (first write) or <c>If-Match: etag</c>, so two writers holding the same ETag
/// cannot both succeed. Each blob carries the SHA-256 of its bytes as <c>x-ms-meta-sha256</c>, checked on read.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> is the caller's (typically one per process); requests are signed before they
/// are sent, so its <see cref="HttpClient.DefaultRequestHeaders"/> must not add <c>x-ms-</c> headers.
/// </remarks>
public sealed class AzureBlobGrainStorage : IGrainStorage
{
    /// <summary>
    /// The Blob service version every request asks for. 2021-12-02 is supported by Azure and by Azurite 3.x
    /// (no <c>--skipApiVersionCheck</c> needed) and has every feature used here.
    /// </summary>
    public const string ServiceVersion = "2021-12-02";

    private const string Sha256MetadataHeader = "x-ms-meta-sha256";
    private const string ErrorCodeHeader = "x-ms-error-code";

    private readonly AzureBlobSharedKeySigner _signer;
    private readonly HttpClient _httpClient;
    private readonly TimeProvider _timeProvider;
    private readonly string _containerUrl;

    // Concurrent first calls may all try to create the container; the losers get 409 ContainerAlreadyExists,
    // which is success, so no lock is needed.
    private volatile bool _containerReady;

    /// <summary>Creates the storage from a connection string (see <see cref="AzureBlobConnectionString.Parse"/>).</summary>
    public AzureBlobGrainStorage(string connectionString, string containerName, HttpClient httpClient, TimeProvider? timeProvider = null)
        : this(AzureBlobConnectionString.Parse(connectionString), containerName, httpClient, timeProvider)
    {
    }

    /// <summary>Creates the storage; the container is created on first use if it does not exist.</summary>
    /// <param name="connection">Account, key and blob endpoint.</param>
    /// <param name="containerName">3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</param>
    /// <param name="httpClient">Sends the requests; owned by the caller.</param>
    /// <param name="timeProvider">The clock for <c>x-ms-date</c>; the system clock when null.</param>
    public AzureBlobGrainStorage(AzureBlobConnectionString connection, string containerName, HttpClient httpClient, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(containerName);
        ArgumentNullException.ThrowIfNull(httpClient);
        if (IsValidContainerName(containerName) is false)
        {
            throw new ArgumentException($"'{containerName}' is not a blob container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.", nameof(containerName));
        }

        _signer = new AzureBlobSharedKeySigner(connection.AccountName, connection.AccountKey);
        _httpClient = httpClient;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _containerUrl = $"{connection.BlobEndpoint.AbsoluteUri.TrimEnd('/')}/{containerName}";
        ContainerName = containerName;
    }

    /// <inheritdoc/>
    public string Name => "azure-blob";

    /// <summary>The container holding every state of this storage.</summary>
    public string ContainerName { get; }

    /// <inheritdoc/>
    public string Describe(GrainId grain, string stateName) => $"{_containerUrl}/{AzureBlobNames.BlobName(grain, stateName)}";

    /// <inheritdoc/>
    public async Task<StoredState?> ReadAsync(GrainId grain, string stateName, CancellationToken cancellationToken)
    {
        var url = Describe(grain, stateName);
        await EnsureContainerAsync(grain, url, cancellationToken).ConfigureAwait(false);

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await SendAsync(request, grain, "read", url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            NoteIfContainerVanished(response);
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Failure(grain, "read", url, response);
        }

        var etag = ETagOf(response) ?? throw new AzureBlobStorageException(grain, "read", url, response.StatusCode, "OK without an ETag header", ErrorCodeOf(response));
        var data = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        VerifySha256(grain, url, response, data);
        return new StoredState(data, etag);
    }

    /// <inheritdoc/>
    public async Task<string> WriteAsync(GrainId grain, string stateName, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
    {
        var url = Describe(grain, stateName);
        ThrowIfNotHeaderSafe(expectedETag);
        await EnsureContainerAsync(grain, url, cancellationToken).ConfigureAwait(false);

        using var request = new HttpRequestMessage(HttpMethod.Put, url);
        request.Content = new ReadOnlyMemoryContent(data);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = data.Length;
        request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        request.Headers.TryAddWithoutValidation(Sha256MetadataHeader, Convert.ToBase64String(SHA256.HashData(data.Span)));
        AddETagCondition(request, expectedETag);

        using var response = await SendAsync(request, grain, "write", url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return ETagOf(response) ?? throw new AzureBlobStorageException(grain, "write", url, response.StatusCode, "Created without an ETag header", ErrorCodeOf(response));
        }

        // 412: If-Match (or If-None-Match) failed. 409 BlobAlreadyExists: If-None-Match: * on an existing blob.
        // 404 BlobNotFound: If-Match on a blob that was deleted meanwhile.
        var errorCode = ErrorCodeOf(response);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed
            || (response.StatusCode == HttpStatusCode.Conflict && errorCode == "BlobAlreadyExists")
            || (response.StatusCode == HttpStatusCode.NotFound && errorCode == "BlobNotFound"))
        {
            throw await ConflictAsync(grain, url, expectedETag, cancellationToken).ConfigureAwait(false);
        }

        NoteIfContainerVanished(response);
        throw Failure(grain, "write", url, response);
    }

    /// <inheritdoc/>
    public async Task ClearAsync(GrainId grain, string stateName, string? expectedETag, CancellationToken cancellationToken)
    {
        var url = Describe(grain, stateName);
        ThrowIfNotHeaderSafe(expectedETag);
        await EnsureContainerAsync(grain, url, cancellationToken).ConfigureAwait(false);

        if (expectedETag is null)
        {
            // "No state expected": absent is a no-op, present is a conflict; there is nothing to delete either way.
            var stored = await CurrentETagAsync(grain, url, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                throw new StorageConflictException(grain, url, expectedETag, stored);
            }

            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, url);
        AddETagCondition(request, expectedETag);
        using var response = await SendAsync(request, grain, "clear", url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return;
        }

        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw await ConflictAsync(grain, url, expectedETag, cancellationToken).ConfigureAwait(false);
        }

        if (response.StatusCode == HttpStatusCode.NotFound && ErrorCodeOf(response) == "BlobNotFound")
        {
            throw new StorageConflictException(grain, url, expectedETag, actualETag: null);
        }

        NoteIfContainerVanished(response);
        throw Failure(grain, "clear", url, response);
    }

    /// <summary>Creates the container unless a call already saw it; failures name the blob that was asked for.</summary>
    private async Task EnsureContainerAsync(GrainId grain, string blobUrl, CancellationToken cancellationToken)
    {
        if (_containerReady)
        {
            return;
        }

        var operation = $"create container '{ContainerName}'";
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{_containerUrl}?restype=container");
        using var response = await SendAsync(request, grain, operation, blobUrl, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created
            || (response.StatusCode == HttpStatusCode.Conflict && ErrorCodeOf(response) == "ContainerAlreadyExists"))
        {
            _containerReady = true;
            return;
        }

        throw Failure(grain, operation, blobUrl, response);
    }

    /// <summary>The stored ETag (HEAD), or null when the blob does not exist.</summary>
    private async Task<string?> CurrentETagAsync(GrainId grain, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await SendAsync(request, grain, "read properties", url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            NoteIfContainerVanished(response);
            return null;
        }

        return response.StatusCode == HttpStatusCode.OK ? ETagOf(response) : throw Failure(grain, "read properties", url, response);
    }

    /// <summary>A conflict naming the ETag that is stored now, looked up only to make the message useful.</summary>
    private async Task<StorageConflictException> ConflictAsync(GrainId grain, string url, string? expectedETag, CancellationToken cancellationToken)
    {
        string? stored;
        try
        {
            stored = await CurrentETagAsync(grain, url, cancellationToken).ConfigureAwait(false);
        }
        catch (AzureBlobStorageException)
        {
            // The conflict itself is certain (the service refused the condition); only the detail is missing.
            stored = null;
        }

        return new StorageConflictException(grain, url, expectedETag, stored);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, GrainId grain, string operation, string url, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("x-ms-date", _timeProvider.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", ServiceVersion);
        _signer.Sign(request);
        try
        {
            // ResponseContentRead: the body is buffered here, so transport failures surface in this try.
            return await _httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new AzureBlobStorageException(grain, operation, url, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed: a failed request, not a cancellation the caller asked for.
            throw new AzureBlobStorageException(grain, operation, url, e);
        }
    }

    private static void AddETagCondition(HttpRequestMessage request, string? expectedETag) =>
        request.Headers.TryAddWithoutValidation(expectedETag is null ? "If-None-Match" : "If-Match", expectedETag ?? "*");

    private static void VerifySha256(GrainId grain, string url, HttpResponseMessage response, byte[] data)
    {
        if (response.Headers.NonValidated.TryGetValues(Sha256MetadataHeader, out var values) is false)
        {
            throw new CorruptStateException(grain, url, "the blob has no x-ms-meta-sha256 metadata: it was not written by AzureBlobGrainStorage, or another tool replaced it");
        }

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.TryFromBase64String(values.ToString(), expected, out var length) is false || length != SHA256.HashSizeInBytes)
        {
            throw new CorruptStateException(grain, url, "its x-ms-meta-sha256 metadata is not a base64 SHA-256 hash");
        }

        if (SHA256.HashData(data).AsSpan().SequenceEqual(expected) is false)
        {
            throw new CorruptStateException(grain, url, $"the SHA-256 of its {data.Length} bytes does not match the x-ms-meta-sha256 metadata written with them");
        }
    }

    private void NoteIfContainerVanished(HttpResponseMessage response)
    {
        // Someone deleted the container: create it again on the next call instead of failing forever.
        if (ErrorCodeOf(response) == "ContainerNotFound")
        {
            _containerReady = false;
        }
    }

    private static AzureBlobStorageException Failure(GrainId grain, string operation, string url, HttpResponseMessage response)
    {
        var hint = response.StatusCode == HttpStatusCode.Forbidden
            ? "Check AccountName and AccountKey in the connection string (the key is not shown) and that the machine's clock is right."
            : null;
        return new AzureBlobStorageException(grain, operation, url, response.StatusCode, response.ReasonPhrase, ErrorCodeOf(response), hint);
    }

    private static string? ETagOf(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("ETag", out var values) ? values.ToString() : null;

    private static string? ErrorCodeOf(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues(ErrorCodeHeader, out var values) ? values.ToString() : null;

    private static void ThrowIfNotHeaderSafe(string? etag)
    {
        if (etag is not null && (etag.Length == 0 || etag.Any(char.IsControl)))
        {
            throw new ArgumentException("An ETag must be non-empty and free of control characters.", nameof(etag));
        }
    }

    private static bool IsValidContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && !name.Contains("--", StringComparison.Ordinal);
}
