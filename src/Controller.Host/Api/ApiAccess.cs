using System.Net;
using System.Security.Cryptography;
using System.Text;
using Controller.Host.Cli;

namespace Controller.Host.Api;

/// <summary>
/// Who may change the controller through its HTTP API: the bearer keys it accepts, and whether reads need one too.
/// Keys come from the environment (<see cref="KeyVariable"/>) or a file (<see cref="KeyFileVariable"/> or
/// <c>--api-key-file</c>), never from the command line. Only SHA-256 digests of the keys are kept; a key is
/// known in logs by its <see cref="KeyId"/> (a digest prefix), never by its text.
/// </summary>
internal sealed class ApiAccess
{
    /// <summary>Environment variable holding one API key.</summary>
    public const string KeyVariable = "CONTROLLER_API_KEY";

    /// <summary>Environment variable naming a file of API keys (one a line; blank lines and lines starting with '#' ignored).</summary>
    public const string KeyFileVariable = "CONTROLLER_API_KEY_FILE";

    /// <summary>Name of the key file a loopback silo writes into its state directory when no key is configured.</summary>
    public const string GeneratedKeyFileName = "api-key";

    /// <summary>Shortest key accepted: a short key is guessable over the network.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>How an operator sets a key, said in every refusal.</summary>
    public const string HowToSetKey = "set " + KeyVariable + ", or " + KeyFileVariable + "=PATH (or --api-key-file PATH) naming a file that holds the key (at least 16 characters; keys never go on the command line)";

    private readonly byte[][] _digests;

    private ApiAccess(byte[][] digests, string source, bool readsNeedKey)
    {
        _digests = digests;
        Source = source;
        ReadsNeedKey = readsNeedKey;
    }

    /// <summary>No key: mutations are refused (401) until one is configured.</summary>
    public static ApiAccess None { get; } = new(Array.Empty<byte[]>(), "none", readsNeedKey: false);

    /// <summary>Where the keys came from, for the start-up line (a variable's or a file's name, never a key).</summary>
    public string Source { get; }

    /// <summary>True when reads need a key too (the API listens beyond loopback).</summary>
    public bool ReadsNeedKey { get; }

    /// <summary>True when at least one key is configured.</summary>
    public bool HasKeys => _digests.Length > 0;

    /// <summary>Access with the given keys (tests, and the resolvers below).</summary>
    public static ApiAccess WithKeys(IReadOnlyCollection<string> keys, string source, bool readsNeedKey = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            CheckKey(key, source);
        }

        return new ApiAccess([.. keys.Select(Digest)], source, readsNeedKey);
    }

    /// <summary>The same keys with reads open or closed.</summary>
    public ApiAccess WithReadsNeedingKey(bool readsNeedKey) => new(_digests, Source, readsNeedKey);

    /// <summary>
    /// The key id of <paramref name="presented"/> when it is one of the configured keys, else null. The presented key
    /// is hashed and its digest compared with every configured digest in constant time (no early exit), so neither
    /// the comparison nor the number of keys tried leaks how much of a guess was right.
    /// </summary>
    public string? Match(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        var found = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            var equal = CryptographicOperations.FixedTimeEquals(digest, _digests[i]);
            found = equal ? i : found;
        }

        return found < 0 ? null : KeyIdOf(_digests[found]);
    }

    /// <summary>A key's name in logs: "key:" and the first 8 hex digits of its SHA-256 (never the key).</summary>
    public static string KeyId(string key) => KeyIdOf(Digest(key));

    /// <summary>
    /// The access of a silo whose API listens on <paramref name="listen"/>: keys from <see cref="KeyVariable"/>, else
    /// from the file <paramref name="keyFile"/> (an option) or <see cref="KeyFileVariable"/>, else, on loopback only,
    /// a key generated once into <paramref name="stateDirectory"/>/<see cref="GeneratedKeyFileName"/> (mode 0600) and
    /// reused after. Beyond loopback without a key: a <see cref="CliUsageException"/> saying how to set one. Reads need
    /// the key when the API listens beyond loopback.
    /// </summary>
    public static (ApiAccess Access, string? GeneratedFile) Resolve(string listen, string? keyFile, string? stateDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var loopback = IsLoopback(listen);
        if (environment(KeyVariable) is { Length: > 0 } key)
        {
            return (WithKeys([key.Trim()], $"${KeyVariable}", readsNeedKey: !loopback), null);
        }

        if ((keyFile ?? environment(KeyFileVariable)) is { Length: > 0 } path)
        {
            return (WithKeys(ReadKeyFile(path), Path.GetFullPath(path), readsNeedKey: !loopback), null);
        }

        if (!loopback)
        {
            throw new CliUsageException($"the API would listen beyond loopback ({listen}) with no key: {HowToSetKey}, or listen on http://127.0.0.1:PORT.");
        }

        if (stateDirectory is null)
        {
            return (None, null);
        }

        var generated = Path.Combine(stateDirectory, GeneratedKeyFileName);
        if (!File.Exists(generated))
        {
            WriteGeneratedKey(generated);
        }

        return (WithKeys(ReadKeyFile(generated), generated), generated);
    }

    /// <summary>
    /// True when every address of <paramref name="listen"/> (URLs separated by ';', as Kestrel takes them) is a loopback
    /// address or "localhost"; "none" (no API) counts as loopback. Wildcards (0.0.0.0, [::], *, +) and host names are not.
    /// </summary>
    public static bool IsLoopback(string listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (listen == "none")
        {
            return true;
        }

        foreach (var url in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards are not valid URI hosts; anything Uri cannot parse is not known to be loopback.
            if (!Uri.TryCreate(url.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal).Replace("://+", "://wildcard.invalid", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return false;
            }

            var host = uri.Host.Trim('[', ']');
            var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                return false;
            }
        }

        return true;
    }

    private static string[] ReadKeyFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The file's name is not a secret; its content is, and never appears in a message.
            throw new CliUsageException($"cannot read the API key file '{path}': {exception.GetType().Name}; {HowToSetKey}.");
        }

        var keys = lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        if (keys.Length == 0)
        {
            throw new CliUsageException($"the API key file '{path}' holds no key; {HowToSetKey}.");
        }

        foreach (var key in keys)
        {
            CheckKey(key, path);
        }

        return keys;
    }

    private static void CheckKey(string key, string source)
    {
        if (key.Length < MinimumKeyLength || key.Any(char.IsControl) || key.Any(char.IsWhiteSpace))
        {
            throw new CliUsageException($"an API key from {source} is shorter than {MinimumKeyLength} characters or holds spaces or control characters; {HowToSetKey}.");
        }
    }

    private static void WriteGeneratedKey(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600: readable by the user who runs the silo only, from the first byte on.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(key + "\n"));
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string KeyIdOf(byte[] digest) => "key:" + Convert.ToHexStringLower(digest.AsSpan(0, 4));
}
