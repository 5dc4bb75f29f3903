using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Controller.Persistence;

/// <summary>
/// The bytes of one state file: a single ASCII header line, then the serialized state. Documented in this
/// project's README ("On-disk format"):
/// <code>
/// controller-grain-state 1 etag=&lt;hex&gt; grain=&lt;escaped type&gt;/&lt;escaped key&gt; state=&lt;escaped name&gt; length=&lt;bytes&gt; sha256=&lt;hex&gt;\n
/// &lt;payload: exactly length bytes, JSON by default&gt;
/// </code>
/// The SHA-256 covers the header text before " sha256=" followed by the payload, so damage to the ETag,
/// the owner fields, the length or the payload is detected. Anything that does not parse exactly is
/// reported with a reason and never repaired.
/// </summary>
internal static class GrainStateFile
{
    /// <summary>The first word of every state file.</summary>
    public const string Magic = "controller-grain-state";

    /// <summary>The only format version this build reads and writes.</summary>
    public const int Version = 1;

    /// <summary>Longest ETag accepted when reading; writers produce 32 hex digits.</summary>
    public const int MaxETagLength = 64;

    private const string ChecksumField = " sha256=";

    /// <summary>The owner fields as written in the header for <paramref name="grainType"/>, <paramref name="grainKey"/> and <paramref name="stateName"/>.</summary>
    public static (string Grain, string State) OwnerFields(ReadOnlySpan<byte> grainType, ReadOnlySpan<byte> grainKey, string stateName) =>
        (StateFileNaming.Escape(grainType) + "/" + StateFileNaming.Escape(grainKey), StateFileNaming.Escape(stateName));

    /// <summary>The header line (with its newline) for a file holding <paramref name="payload"/>.</summary>
    public static byte[] EncodeHeader(string etag, string grainField, string stateField, ReadOnlySpan<byte> payload)
    {
        var covered = string.Create(CultureInfo.InvariantCulture, $"{Magic} {Version} etag={etag} grain={grainField} state={stateField} length={payload.Length}");
        var checksum = Checksum(Encoding.ASCII.GetBytes(covered), payload);
        return Encoding.ASCII.GetBytes(covered + ChecksumField + checksum + "\n");
    }

    /// <summary>
    /// Checks a whole file; on success returns its ETag, owner fields and payload (a slice of
    /// <paramref name="file"/>), otherwise a reason an operator can act on.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> file, out Header header, out ReadOnlyMemory<byte> payload, out string reason)
    {
        header = default;
        payload = ReadOnlyMemory<byte>.Empty;
        var span = file.Span;
        var magic = Encoding.ASCII.GetBytes(Magic + " ");
        if (span.Length == 0)
        {
            reason = "the file is empty (truncated)";
            return false;
        }

        if (!span.StartsWith(magic))
        {
            var shown = Convert.ToHexString(span[..Math.Min(span.Length, 8)]);
            reason = span.Length < magic.Length && magic.AsSpan().StartsWith(span)
                ? $"truncated inside the header: the file has only {span.Length} bytes"
                : $"not a grain state file: it starts with bytes 0x{shown} instead of \"{Magic}\"";
            return false;
        }

        var newline = span.IndexOf((byte)'\n');
        if (newline < 0)
        {
            reason = $"truncated inside the header: no end of the header line in {span.Length} bytes";
            return false;
        }

        var line = span[..newline];
        foreach (var b in line)
        {
            if (b is < 0x21 and not (byte)' ' or > 0x7E)
            {
                reason = "damaged header: it contains a byte that is not printable ASCII";
                return false;
            }
        }

        var text = Encoding.ASCII.GetString(line);
        var parts = text.Split(' ');
        if (parts.Length != 7)
        {
            reason = $"damaged header: {parts.Length} space-separated fields instead of 7";
            return false;
        }

        if (parts[1] != Version.ToString(CultureInfo.InvariantCulture))
        {
            reason = $"format version '{parts[1]}'; this build reads version {Version} only";
            return false;
        }

        if (!TryField(parts[2], "etag", out var etag) || etag.Length is 0 or > MaxETagLength || !etag.All(char.IsAsciiLetterOrDigit)
            || !TryField(parts[3], "grain", out var grain) || grain.Length == 0
            || !TryField(parts[4], "state", out var state) || state.Length == 0
            || !TryField(parts[5], "length", out var lengthText) || !TryParseLength(lengthText, out var length)
            || !TryField(parts[6], "sha256", out var checksum) || checksum.Length != SHA256.HashSizeInBytes * 2)
        {
            reason = "damaged header: the fields are not 'etag=', 'grain=', 'state=', 'length=', 'sha256=' with valid values";
            return false;
        }

        var body = file[(newline + 1)..];
        if (length != body.Length)
        {
            reason = length > body.Length
                ? $"truncated: the header announces a {length}-byte payload but only {body.Length} bytes follow it"
                : $"length mismatch: the header announces a {length}-byte payload but {body.Length} bytes follow it";
            return false;
        }

        var coveredLength = text.Length - ChecksumField.Length - checksum.Length;
        if (Checksum(line[..coveredLength], body.Span) != checksum)
        {
            reason = "checksum mismatch: the header or the payload changed after it was written";
            return false;
        }

        header = new Header(etag, grain, state);
        payload = body;
        reason = string.Empty;
        return true;
    }

    private static bool TryField(string part, string key, out string value)
    {
        value = string.Empty;
        if (part.Length <= key.Length || !part.StartsWith(key, StringComparison.Ordinal) || part[key.Length] != '=')
        {
            return false;
        }

        value = part[(key.Length + 1)..];
        return true;
    }

    private static bool TryParseLength(string text, out long length) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length)
        && text == length.ToString(CultureInfo.InvariantCulture);

    private static string Checksum(ReadOnlySpan<byte> covered, ReadOnlySpan<byte> payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(covered);
        hash.AppendData(payload);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The parsed header fields of a valid file.</summary>
    /// <param name="ETag">The version the payload belongs to.</param>
    /// <param name="Grain">Escaped grain type and key, '/'-separated, as written.</param>
    /// <param name="State">Escaped state name, as written.</param>
    public readonly record struct Header(string ETag, string Grain, string State);
}
