using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Controller.Runtime.Storage;

/// <summary>
/// The bytes of one state file written by <see cref="FileGrainStorage"/>. All integers little-endian:
/// <code>
/// offset    size  field
/// 0         4     magic "CRGS" (controller runtime grain state)
/// 4         2     format version, currently 1
/// 6         2     ETag length E
/// 8         E     ETag, ASCII
/// 8+E       8     payload length L
/// 16+E      32    SHA-256 of bytes [0, 16+E) followed by the payload
/// 48+E      L     payload
/// </code>
/// The checksum covers the header as well as the payload, so a damaged ETag or length is caught too, and the
/// file must end exactly after the payload. Anything else is reported as corrupt, never guessed at.
/// </summary>
internal static class FileStateFormat
{
    /// <summary>The only format version this build reads and writes.</summary>
    public const ushort Version = 1;

    /// <summary>ETags longer than this are not produced by any writer, so a larger length field is damage.</summary>
    public const int MaxETagLength = 64;

    private const int FixedHeaderLength = 4 + 2 + 2 + 8 + SHA256.HashSizeInBytes;

    private static ReadOnlySpan<byte> Magic => "CRGS"u8;

    /// <summary>Everything that precedes the payload in a file holding <paramref name="payload"/> under <paramref name="etag"/>.</summary>
    public static byte[] EncodeHeader(string etag, ReadOnlySpan<byte> payload)
    {
        if (etag.Length > MaxETagLength || !etag.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"ETag '{etag}' must be at most {MaxETagLength} ASCII letters or digits.", nameof(etag));
        }

        var header = new byte[FixedHeaderLength + etag.Length];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)etag.Length);
        for (var i = 0; i < etag.Length; i++)
        {
            span[8 + i] = (byte)etag[i];
        }

        var lengthOffset = 8 + etag.Length;
        BinaryPrimitives.WriteInt64LittleEndian(span[lengthOffset..], payload.Length);
        var checksumOffset = lengthOffset + 8;
        Checksum(span[..checksumOffset], payload, span.Slice(checksumOffset, SHA256.HashSizeInBytes));
        return header;
    }

    /// <summary>
    /// Checks a whole file and returns its ETag and payload (a slice of <paramref name="file"/>), or false
    /// with a reason an operator can act on.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> file, out string etag, out ReadOnlyMemory<byte> payload, out string reason)
    {
        etag = string.Empty;
        payload = ReadOnlyMemory<byte>.Empty;
        var span = file.Span;

        if (span.Length < FixedHeaderLength)
        {
            reason = $"truncated: the file has {span.Length} bytes, fewer than the {FixedHeaderLength}-byte minimum header";
            return false;
        }

        if (!span[..4].SequenceEqual(Magic))
        {
            reason = $"not a grain state file: it starts with 0x{Convert.ToHexString(span[..4])} instead of the magic \"CRGS\"";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version != Version)
        {
            reason = $"format version {version}; this build reads version {Version} only";
            return false;
        }

        int etagLength = BinaryPrimitives.ReadUInt16LittleEndian(span[6..]);
        if (etagLength is 0 or > MaxETagLength)
        {
            reason = $"damaged header: ETag length {etagLength} is outside 1..{MaxETagLength}";
            return false;
        }

        var headerLength = FixedHeaderLength + etagLength;
        if (span.Length < headerLength)
        {
            reason = $"truncated: the file has {span.Length} bytes, fewer than its {headerLength}-byte header";
            return false;
        }

        var etagBytes = span.Slice(8, etagLength);
        foreach (var b in etagBytes)
        {
            if (!char.IsAsciiLetterOrDigit((char)b))
            {
                reason = "damaged header: the ETag is not ASCII letters and digits";
                return false;
            }
        }

        var lengthOffset = 8 + etagLength;
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(span[lengthOffset..]);
        var actualPayloadLength = (long)span.Length - headerLength;
        if (payloadLength != actualPayloadLength)
        {
            reason = payloadLength > actualPayloadLength
                ? $"truncated: the header announces a {payloadLength}-byte payload but the file holds {actualPayloadLength} bytes after the header"
                : $"length mismatch: the header announces a {payloadLength}-byte payload but the file holds {actualPayloadLength} bytes after the header";
            return false;
        }

        var checksumOffset = lengthOffset + 8;
        var body = span[headerLength..];
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        Checksum(span[..checksumOffset], body, expected);
        if (!expected.SequenceEqual(span.Slice(checksumOffset, SHA256.HashSizeInBytes)))
        {
            reason = "checksum mismatch: the header or payload bytes were changed after writing";
            return false;
        }

        etag = System.Text.Encoding.ASCII.GetString(etagBytes);
        payload = file[headerLength..];
        reason = string.Empty;
        return true;
    }

    private static void Checksum(ReadOnlySpan<byte> headerPrefix, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(headerPrefix);
        hash.AppendData(payload);
        hash.GetHashAndReset(destination);
    }
}
