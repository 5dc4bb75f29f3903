using System.Net;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// A blob-service request that failed for a reason other than an ETag conflict or corrupt data: an
/// unexpected status (authorization, throttling, server error) or no response at all. Derives from
/// <see cref="IOException"/> because, to the grain runtime, it is an I/O failure it may retry.
/// </summary>
public sealed class AzureBlobStorageException : IOException
{
    /// <summary>Creates the exception for a response with an unexpected status.</summary>
    public AzureBlobStorageException(GrainId grain, string operation, string location, HttpStatusCode statusCode, string? reasonPhrase, string? errorCode, string? hint = null)
        : base($"Azure Blob storage {operation} for grain {grain} at {location} failed: HTTP {(int)statusCode}{(string.IsNullOrEmpty(reasonPhrase) ? string.Empty : $" ({reasonPhrase})")}, error code {errorCode ?? "(none)"}.{(hint is null ? string.Empty : " " + hint)}")
    {
        Grain = grain;
        Location = location;
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception for a request that got no response.</summary>
    public AzureBlobStorageException(GrainId grain, string operation, string location, Exception innerException)
        : base($"Azure Blob storage {operation} for grain {grain} at {location} failed: no response ({innerException?.Message}).", innerException)
    {
        Grain = grain;
        Location = location;
    }

    /// <summary>Creates the exception with a message.</summary>
    public AzureBlobStorageException(string message)
        : base(message)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public AzureBlobStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = string.Empty;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AzureBlobStorageException()
        : this("Azure Blob storage request failed.")
    {
    }

    /// <summary>The grain whose state was being read, written or cleared.</summary>
    public GrainId Grain { get; }

    /// <summary>The blob (or container) URL.</summary>
    public string Location { get; }

    /// <summary>The HTTP status, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The service's <c>x-ms-error-code</c> (for example <c>AuthenticationFailed</c>), when it sent one.</summary>
    public string? ErrorCode { get; }
}
