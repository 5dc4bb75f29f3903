using System.Security.Cryptography;
using System.Text;

namespace Controller.Persistence;

/// <summary>
/// Maps grain types, grain keys and state names to file-name components that cannot leave their
/// directory and stay distinct on case-insensitive disks. The rules are documented in this project's
/// README ("File names") and pinned by tests: changing them orphans every existing state file.
/// </summary>
/// <remarks>
/// Each component is treated as bytes (grain types and keys are raw bytes in Orleans; state names are
/// encoded as strict UTF-8). Bytes <c>a-z 0-9 - _</c> are written as themselves, every other byte as
/// <c>%HH</c> with upper-case hex digits. Outside escapes only lower-case letters occur and inside escapes
/// only upper-case ones, so no two inputs map to names that differ only in letter case; '.', '/', '\' and
/// '~' never appear. A component longer than <see cref="MaxComponentLength"/> characters keeps its first
/// <see cref="ShortenedPrefixLength"/> characters (never splitting an escape), then '~' and the first 16
/// bytes of the SHA-256 of the input bytes in lower-case hex.
/// </remarks>
internal static class StateFileNaming
{
    /// <summary>Components longer than this many characters are shortened with a hash.</summary>
    public const int MaxComponentLength = 96;

    /// <summary>Characters of the escaped form kept in front of the hash of a shortened component.</summary>
    public const int ShortenedPrefixLength = 48;

    /// <summary>Separates the kept prefix from the hash; never produced by escaping.</summary>
    public const char HashMarker = '~';

    private const int HashBytes = 16;

    private static readonly UTF8Encoding _strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file-name component for <paramref name="name"/>, shortened when long.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> contains a lone surrogate.</exception>
    public static string Component(string name) => Component(ToUtf8(name));

    /// <summary>The file-name component for raw <paramref name="bytes"/>, shortened when long.</summary>
    public static string Component(ReadOnlySpan<byte> bytes)
    {
        var escaped = Escape(bytes);
        if (escaped.Length <= MaxComponentLength)
        {
            return escaped;
        }

        var keep = ShortenedPrefixLength;
        // An escape is three characters; cutting inside one would leave a dangling '%' or '%H'.
        if (escaped[keep - 1] == '%')
        {
            keep -= 1;
        }
        else if (escaped[keep - 2] == '%')
        {
            keep -= 2;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return string.Concat(escaped.AsSpan(0, keep), [HashMarker], Convert.ToHexStringLower(hash[..HashBytes]));
    }

    /// <summary>The escaped form of <paramref name="bytes"/> without shortening (used inside file headers).</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var length = 0;
        foreach (var b in bytes)
        {
            length += IsPlain(b) ? 1 : 3;
        }

        var result = new StringBuilder(length);
        foreach (var b in bytes)
        {
            if (IsPlain(b))
            {
                result.Append((char)b);
            }
            else
            {
                result.Append('%').Append(UpperHex(b >> 4)).Append(UpperHex(b & 0xF));
            }
        }

        return result.ToString();
    }

    /// <summary>The escaped form of <paramref name="name"/>'s UTF-8 bytes without shortening.</summary>
    public static string Escape(string name) => Escape(ToUtf8(name));

    /// <summary>
    /// The bytes an unshortened escaped component came from; false for shortened components and for
    /// anything escaping cannot produce (lower-case hex, stray '%', other characters).
    /// </summary>
    public static bool TryUnescape(string escaped, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        var output = new List<byte>(escaped.Length);
        bytes = [];
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c < 0x80 && IsPlain((byte)c))
            {
                output.Add((byte)c);
                continue;
            }

            if (c != '%' || i + 2 >= escaped.Length || !TryUpperHex(escaped[i + 1], out var high) || !TryUpperHex(escaped[i + 2], out var low))
            {
                return false;
            }

            var value = (byte)((high << 4) | low);
            if (IsPlain(value))
            {
                // Escaping never escapes a plain byte, so "%61" is not a name it produced.
                return false;
            }

            output.Add(value);
            i += 2;
        }

        bytes = [.. output];
        return true;
    }

    /// <summary>The name an unshortened component came from, when its bytes are valid UTF-8.</summary>
    public static bool TryUnescape(string escaped, out string name)
    {
        name = string.Empty;
        if (!TryUnescape(escaped, out byte[] bytes))
        {
            return false;
        }

        try
        {
            name = _strictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static byte[] ToUtf8(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            return _strictUtf8.GetBytes(name);
        }
        catch (EncoderFallbackException exception)
        {
            // Replacing the lone surrogate would make two different names share one file.
            throw new ArgumentException($"The name '{name}' is not valid Unicode (it has a lone surrogate), so it has no file name.", nameof(name), exception);
        }
    }

    private static bool IsPlain(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_';

    private static char UpperHex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryUpperHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
