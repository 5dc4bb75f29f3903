namespace Controller.Runtime.Storage;

/// <summary>
/// The blob-service part of a standard Azure Storage connection string: account name, account key and blob
/// endpoint. Accepts <c>AccountName=...;AccountKey=...</c> with either <c>BlobEndpoint</c> or
/// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>, and <c>UseDevelopmentStorage=true</c> for Azurite's
/// well-known account. The key never appears in <see cref="ToString"/> or in parse errors.
/// </summary>
public sealed class AzureBlobConnectionString
{
    /// <summary>Azurite's fixed development account; its key is published in the Azurite documentation.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const string DevelopmentBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

    private readonly byte[] _accountKey;

    private AzureBlobConnectionString(string accountName, byte[] accountKey, Uri blobEndpoint, bool isDevelopmentStorage)
    {
        AccountName = accountName;
        _accountKey = accountKey;
        BlobEndpoint = blobEndpoint;
        IsDevelopmentStorage = isDevelopmentStorage;
    }

    /// <summary>The storage account that signs requests.</summary>
    public string AccountName { get; }

    /// <summary>The blob service root, without a trailing slash (for Azurite it includes the account: <c>http://host:port/account</c>).</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>True for <c>UseDevelopmentStorage=true</c>.</summary>
    public bool IsDevelopmentStorage { get; }

    /// <summary>The base64-decoded account key: the HMAC-SHA256 key of SharedKey signatures.</summary>
    internal ReadOnlySpan<byte> AccountKey => _accountKey;

    /// <summary>Parses a connection string; throws <see cref="ArgumentException"/> naming the missing or malformed part.</summary>
    public static AzureBlobConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = SplitParts(connectionString);

        if (parts.TryGetValue("SharedAccessSignature", out _))
        {
            throw Invalid("SharedAccessSignature is not supported: use AccountName and AccountKey (SharedKey authorization)");
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var development))
        {
            if (bool.TryParse(development, out var useDevelopment) is false)
            {
                throw Invalid($"UseDevelopmentStorage must be 'true' or 'false', not '{development}'");
            }

            if (useDevelopment)
            {
                if (parts.ContainsKey("DevelopmentStorageProxyUri"))
                {
                    throw Invalid("DevelopmentStorageProxyUri is not supported: give AccountName, AccountKey and BlobEndpoint instead");
                }

                return new AzureBlobConnectionString(DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey), new Uri(DevelopmentBlobEndpoint), isDevelopmentStorage: true);
            }
        }

        if (parts.TryGetValue("AccountName", out var accountName) is false || accountName.Length == 0)
        {
            throw Invalid("AccountName is missing");
        }

        if (IsValidAccountName(accountName) is false)
        {
            throw Invalid($"AccountName '{accountName}' is not a storage account name (3 to 24 lowercase letters and digits)");
        }

        if (parts.TryGetValue("AccountKey", out var encodedKey) is false || encodedKey.Length == 0)
        {
            throw Invalid("AccountKey is missing");
        }

        var key = new byte[encodedKey.Length];
        if (Convert.TryFromBase64String(encodedKey, key, out var keyLength) is false || keyLength == 0)
        {
            // The value itself is a secret (possibly a real key with a typo): say what is wrong, never echo it.
            throw Invalid("AccountKey is not valid base64 (the value is not shown)");
        }

        Array.Resize(ref key, keyLength);
        return new AzureBlobConnectionString(accountName, key, BlobEndpointOf(parts, accountName), isDevelopmentStorage: false);
    }

    /// <summary>The connection's account and endpoint, with the key redacted.</summary>
    public override string ToString() => $"AccountName={AccountName};AccountKey=(redacted);BlobEndpoint={BlobEndpoint}";

    private static Uri BlobEndpointOf(Dictionary<string, string> parts, string accountName)
    {
        if (parts.TryGetValue("BlobEndpoint", out var explicitEndpoint))
        {
            if (Uri.TryCreate(explicitEndpoint.TrimEnd('/'), UriKind.Absolute, out var endpoint) is false
                || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
                || endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0)
            {
                throw Invalid($"BlobEndpoint '{explicitEndpoint}' is not an absolute http:// or https:// URL without query");
            }

            return endpoint;
        }

        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", Uri.UriSchemeHttps);
        if (protocol != Uri.UriSchemeHttp && protocol != Uri.UriSchemeHttps)
        {
            throw Invalid($"DefaultEndpointsProtocol must be 'http' or 'https', not '{protocol}'");
        }

        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        if (Uri.TryCreate($"{protocol}://{accountName}.blob.{suffix}", UriKind.Absolute, out var built) is false
            || built.AbsolutePath != "/" || suffix.Length == 0)
        {
            throw Invalid($"EndpointSuffix '{suffix}' is not a host name suffix (for example core.windows.net)");
        }

        return built;
    }

    private static Dictionary<string, string> SplitParts(string connectionString)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var segments = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            // Split at the first '=' only: base64 keys end in '=' padding.
            var segment = segments[i];
            var equals = segment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // Not echoed: a stray segment may well be (part of) the key.
                throw Invalid($"part {i + 1} is not a Name=Value pair");
            }

            var name = segment[..equals].Trim();
            var value = segment[(equals + 1)..].Trim();
            if (parts.TryAdd(name, value) is false)
            {
                throw Invalid($"{name} appears more than once");
            }
        }

        if (parts.Count == 0)
        {
            throw Invalid("it is empty");
        }

        return parts;
    }

    private static bool IsValidAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    private static ArgumentException Invalid(string problem) =>
        new($"Invalid Azure Storage connection string: {problem}.");
}
