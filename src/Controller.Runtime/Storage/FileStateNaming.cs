using System.Security.Cryptography;
using System.Text;

namespace Controller.Runtime.Storage;

/// <summary>
/// Turns grain types, keys and state names (any string) into file-name components that are safe on
/// every file system the controller runs on, and back.
/// </summary>
/// <remarks>
/// <para>
/// Escaping: the name is encoded as strict UTF-8; the bytes <c>a-z</c>, <c>0-9</c>, <c>-</c> and <c>_</c>
/// stay as they are and every other byte (upper case, '.', '/', '\', space, '%', '~', control and
/// non-ASCII bytes) becomes <c>%XX</c> with upper-case hex. So "region-3/Cell 17" becomes
/// "region-3%2F%43ell%2017". The result never contains a path separator or a dot, so it can neither climb
/// out of its directory nor be confused with the '.'-separated parts of a state file name; and since
/// letters outside escapes are always lower case and letters inside escapes always upper case, two
/// different names never escape to strings that differ only in case (safe on case-insensitive disks).
/// </para>
/// <para>
/// Length: an escaped component longer than <see cref="MaxComponentLength"/> characters is cut to its
/// first <see cref="HashedPrefixLength"/> characters (never inside an escape) followed by '~' and the
/// first 128 bits of the SHA-256 of the name's UTF-8 bytes in lower-case hex. Escaping never produces
/// '~', so hashed names cannot collide with plain ones. This keeps the longest state file name, temp
/// suffix included, well under the usual 255-byte limit; hashed names cannot be turned back into the key.
/// </para>
/// <para>
/// Strings that are not valid UTF-16 (lone surrogates) are rejected with <see cref="ArgumentException"/>
/// rather than silently replaced, because replacement would make two different keys share one file.
/// </para>
/// </remarks>
internal static class FileStateNaming
{
    /// <summary>Escaped components longer than this are shortened with a hash suffix.</summary>
    public const int MaxComponentLength = 96;

    /// <summary>How much of a too-long escaped component is kept before the hash suffix.</summary>
    public const int HashedPrefixLength = 48;

    private const char HashMarker = '~';

    private const string HexUpper = "0123456789ABCDEF";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Escapes <paramref name="name"/> into one safe file-name component (see the type remarks).</summary>
    /// <exception cref="ArgumentException">The name is not valid UTF-16.</exception>
    public static string Escape(string name)
    {
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(name);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The name '{name}' is not valid Unicode (it contains a lone surrogate), so it has no file name.", nameof(name), e);
        }

        var escaped = new StringBuilder(utf8.Length);
        foreach (var b in utf8)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_')
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
        }

        if (escaped.Length <= MaxComponentLength)
        {
            return escaped.ToString();
        }

        var cut = HashedPrefixLength;
        // Back off so the prefix does not end in the middle of a %XX escape; purely cosmetic.
        while (cut > 0 && (escaped[cut - 1] == '%' || (cut >= 2 && escaped[cut - 2] == '%')))
        {
            cut--;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(utf8).AsSpan(0, 16));
        return escaped.ToString(0, cut) + HashMarker + hash;
    }

    /// <summary>
    /// Recovers the name an escaped component came from (for operators and tools listing a state
    /// directory); false for hashed (shortened) components and malformed escapes.
    /// </summary>
    public static bool TryUnescape(string escaped, out string name)
    {
        name = string.Empty;
        var bytes = new List<byte>(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
            {
                bytes.Add((byte)c);
            }
            else if (c == '%' && i + 2 < escaped.Length && IsUpperHex(escaped[i + 1]) && IsUpperHex(escaped[i + 2]))
            {
                bytes.Add((byte)((HexValue(escaped[i + 1]) << 4) | HexValue(escaped[i + 2])));
                i += 2;
            }
            else
            {
                return false;
            }
        }

        try
        {
            name = StrictUtf8.GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool IsUpperHex(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'A' + 10;
}
