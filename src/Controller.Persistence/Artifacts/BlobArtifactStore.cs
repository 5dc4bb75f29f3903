using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Controller.Persistence;

/// <summary>
/// An <see cref="IArtifactStore"/> in an Azure Blob Storage container (or Azurite): each key is a block
/// blob of the same name. Conditional writes use the service's own ETags (<c>If-Match</c>, or
/// <c>If-None-Match: *</c> for a first write); a lost condition (HTTP 412, or 409 for an existing blob)
/// becomes <see cref="ArtifactStoreConflictException"/>. The container is created on the first write.
/// </summary>
public sealed partial class BlobArtifactStore : IArtifactStore
{
    private readonly BlobContainerClient _container;
    private volatile bool _containerExists;

    /// <summary>A store in <paramref name="container"/>, which is created on the first write if missing.</summary>
    public BlobArtifactStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <inheritdoc />
    public string Location => WithoutQuery(_container.Uri);

    /// <inheritdoc />
    public string Describe(string key) => WithoutQuery(Blob(key).Uri);

    /// <summary>
    /// A container client from a connection string, checked up front: a malformed string throws
    /// <see cref="ArgumentException"/> whose message never repeats any part of it (it may hold an account key).
    /// </summary>
    public static BlobContainerClient CreateContainerClient(string connectionString, string container)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(container);
        if (!ContainerName().IsMatch(container) || container.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{container}' is not a valid blob container name: use 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.", nameof(container));
        }

        if (CheckConnectionString(connectionString) is { } problem)
        {
            throw new ArgumentException(MalformedConnectionString(problem), nameof(connectionString));
        }

        try
        {
            return new BlobServiceClient(connectionString).GetBlobContainerClient(container);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The SDK's message is not repeated: it is not ours to promise that it never quotes the string.
            throw new ArgumentException(MalformedConnectionString("the Azure SDK could not find a usable account and endpoint in it"), nameof(connectionString));
        }
    }

    /// <summary>
    /// Null when the blob service behind <paramref name="connectionString"/> answers and accepts the account's
    /// credentials; otherwise one line saying which endpoint failed and how (unreachable, credentials refused, an
    /// unexpected status). Two tries at most, so a wrong endpoint costs seconds rather than the SDK's default of six
    /// tries with back-off. The line names the endpoint without any query (a SAS token) and never the key.
    /// </summary>
    public static async Task<string?> CheckReachableAsync(string connectionString, string container, CancellationToken cancellationToken)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(15);
        // Checked (and rejected) the same way the stores are made.
        _ = CreateContainerClient(connectionString, container);
        var client = new BlobServiceClient(connectionString, options).GetBlobContainerClient(container);
        var endpoint = WithoutQuery(client.Uri);
        try
        {
            await client.ExistsAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RequestFailedException exception) when (exception.Status is 401 or 403)
        {
            return $"Azure Blob Storage at {endpoint} refused the account's credentials ({exception.Status} {exception.ErrorCode}).";
        }
        catch (RequestFailedException exception) when (exception.Status != 0)
        {
            return $"Azure Blob Storage at {endpoint} answered {exception.Status} {exception.ErrorCode}.";
        }
        catch (Exception exception) when (exception is RequestFailedException or AggregateException or HttpRequestException)
        {
            return $"cannot reach Azure Blob Storage at {endpoint}: {Innermost(exception)}";
        }
    }

    private static string Innermost(Exception exception)
    {
        var inner = exception;
        while (true)
        {
            var next = inner is AggregateException aggregate ? aggregate.InnerExceptions.FirstOrDefault() : inner.InnerException;
            if (next is null)
            {
                return inner.Message.ReplaceLineEndings(" ");
            }

            inner = next;
        }
    }

    /// <inheritdoc />
    public async Task<ArtifactObject?> ReadAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        var blob = Blob(key);
        BlobDownloadStreamingResult result;
        try
        {
            result = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }

        using (result)
        {
            var length = result.Details.ContentLength;
            if (length > maxBytes || length > Array.MaxLength)
            {
                throw new InvalidDataException($"{Describe(key)} has {length} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} expected");
            }

            var bytes = new byte[length];
            var read = await result.Content.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != bytes.Length)
            {
                throw new InvalidDataException($"{Describe(key)} ended after {read} of its {length} bytes");
            }

            return new ArtifactObject(bytes, result.Details.ETag.ToString());
        }
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(string key, ReadOnlyMemory<byte> data, string? expectedETag, CancellationToken cancellationToken)
    {
        var blob = Blob(key);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var options = new BlobUploadOptions
        {
            Conditions = expectedETag is null
                ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                : new BlobRequestConditions { IfMatch = new ETag(expectedETag) },
        };
        try
        {
            var response = await blob.UploadAsync(new BinaryData(data), options, cancellationToken).ConfigureAwait(false);
            return response.Value.ETag.ToString();
        }
        catch (RequestFailedException exception) when (exception.Status is 412 || (exception.Status is 409 && exception.ErrorCode == BlobErrorCode.BlobAlreadyExists))
        {
            throw new ArtifactStoreConflictException(Describe(key), expectedETag, exception);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        (await Blob(key).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;

    private BlobClient Blob(string key)
    {
        _ = ArtifactKeys.Split(key);
        return _container.GetBlobClient(key);
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists)
        {
            return;
        }

        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _containerExists = true;
    }

    // A SAS token in the connection string ends up in the client's URIs; messages must not show it.
    private static string WithoutQuery(Uri uri) => new UriBuilder(uri) { Query = string.Empty }.Uri.ToString();

    private static string? CheckConnectionString(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "it is empty";
        }

        var settings = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < settings.Length; i++)
        {
            var equals = settings[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return $"setting {i + 1} of {settings.Length} is not of the form Name=Value";
            }

            var name = settings[i][..equals].Trim();
            var value = settings[i][(equals + 1)..].Trim();
            if (name.Equals("AccountKey", StringComparison.OrdinalIgnoreCase)
                && (value.Length == 0 || !Convert.TryFromBase64String(value, new byte[value.Length], out _)))
            {
                return "its AccountKey is not base64";
            }
        }

        return null;
    }

    private static string MalformedConnectionString(string problem) =>
        $"The Azure Blob Storage connection string is malformed: {problem}. Expected 'UseDevelopmentStorage=true' (Azurite) or "
        + "'DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;EndpointSuffix=core.windows.net' (or with BlobEndpoint=<url>).";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
