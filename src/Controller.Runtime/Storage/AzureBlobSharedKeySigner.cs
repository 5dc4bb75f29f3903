using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Controller.Runtime.Storage;

/// <summary>
/// Signs blob-service requests with the account key (Shared Key authorization, service version 2015-02-21 or
/// later): HMAC-SHA256 over the verb, the standard headers, the canonicalized <c>x-ms-</c> headers and the
/// canonicalized resource. The request must be complete, with <c>x-ms-date</c> and <c>x-ms-version</c> set,
/// before it is signed; nothing that is signed may change afterwards.
/// </summary>
internal sealed class AzureBlobSharedKeySigner
{
    private readonly string _accountName;
    private readonly byte[] _accountKey;

    public AzureBlobSharedKeySigner(string accountName, ReadOnlySpan<byte> accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        _accountName = accountName;
        _accountKey = accountKey.ToArray();
    }

    /// <summary>Adds the <c>Authorization: SharedKey account:signature</c> header.</summary>
    public void Sign(HttpRequestMessage request)
    {
        var signature = HMACSHA256.HashData(_accountKey, Encoding.UTF8.GetBytes(StringToSign(request)));
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {_accountName}:{Convert.ToBase64String(signature)}");
    }

    /// <summary>The exact text the service recomputes and signs; exposed for tests and for diagnosing 403s.</summary>
    public string StringToSign(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RequestUri);
        var content = request.Content?.Headers;

        // From service version 2015-02-21 a zero Content-Length is signed as the empty string.
        var contentLength = content?.ContentLength is long length and > 0 ? length.ToString(CultureInfo.InvariantCulture) : string.Empty;

        var builder = new StringBuilder();
        builder.Append(request.Method.Method.ToUpperInvariant()).Append('\n')
            .Append(Header(content, "Content-Encoding")).Append('\n')
            .Append(Header(content, "Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(Header(content, "Content-MD5")).Append('\n')
            .Append(Header(content, "Content-Type")).Append('\n')
            .Append('\n') // Date: left empty because every request carries x-ms-date, which the service uses instead.
            .Append(Header(request.Headers, "If-Modified-Since")).Append('\n')
            .Append(Header(request.Headers, "If-Match")).Append('\n')
            .Append(Header(request.Headers, "If-None-Match")).Append('\n')
            .Append(Header(request.Headers, "If-Unmodified-Since")).Append('\n')
            .Append(Header(request.Headers, "Range")).Append('\n');
        AppendCanonicalizedHeaders(builder, request.Headers);
        AppendCanonicalizedResource(builder, request.RequestUri);
        return builder.ToString();
    }

    private static string Header(HttpHeaders? headers, string name) =>
        headers is not null && headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : string.Empty;

    private static void AppendCanonicalizedHeaders(StringBuilder builder, HttpRequestHeaders headers)
    {
        var storageHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in headers.NonValidated)
        {
            if (name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
#pragma warning disable CA1308 // The Shared Key scheme specifies lowercase header names; this is not a comparison.
                storageHeaders[name.ToLowerInvariant()] = UnfoldWhitespace(values.ToString());
#pragma warning restore CA1308
            }
        }

        foreach (var (name, value) in storageHeaders)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }
    }

    private void AppendCanonicalizedResource(StringBuilder builder, Uri uri)
    {
        // "/account" followed by the URL-encoded path as sent; for path-style endpoints (Azurite) the path
        // starts with the account again, which is what the service expects.
        builder.Append('/').Append(_accountName).Append(uri.AbsolutePath);

        // Then each query parameter as "\nname:value" (names lowercased and sorted, values decoded, repeated
        // names joined by commas in sorted order).
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return;
        }

        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
#pragma warning disable CA1308 // The Shared Key scheme specifies lowercase parameter names; this is not a comparison.
            var key = name.ToLowerInvariant();
#pragma warning restore CA1308
            if (parameters.TryGetValue(key, out var values) is false)
            {
                parameters[key] = values = [];
            }

            values.Add(value);
        }

        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            builder.Append('\n').Append(name).Append(':').AppendJoin(',', values);
        }
    }

    private static string UnfoldWhitespace(string value)
    {
        var trimmed = value.Trim();
        var builder = new StringBuilder(trimmed.Length);
        var previousWasSpace = false;
        foreach (var c in trimmed)
        {
            var isSpace = c is ' ' or '\t' or '\r' or '\n';
            if (!isSpace || !previousWasSpace)
            {
                builder.Append(isSpace ? ' ' : c);
            }

            previousWasSpace = isSpace;
        }

        return builder.ToString();
    }
}
