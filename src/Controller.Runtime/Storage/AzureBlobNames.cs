using System.Text;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>
/// Maps grain state to blob names <c>&lt;type&gt;/&lt;key&gt;/&lt;state&gt;</c> where each part is escaped
/// so that every key (slashes, spaces, unicode, "..", empty) gives a valid, distinct blob name.
/// </summary>
internal static class AzureBlobNames
{
    /// <summary>The service limit on blob names, in characters.</summary>
    public const int MaxBlobNameLength = 1024;

    private const char Escape = '~';

    /// <summary>The blob name of <paramref name="grain"/>'s state <paramref name="stateName"/>.</summary>
    public static string BlobName(GrainId grain, string stateName)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        var name = $"{EscapeSegment(grain.Type)}/{EscapeSegment(grain.Key)}/{EscapeSegment(stateName)}";
        if (name.Length > MaxBlobNameLength)
        {
            throw new ArgumentException($"The blob name for grain {grain} state '{stateName}' would be {name.Length} characters; Azure Blob storage allows {MaxBlobNameLength}.", nameof(grain));
        }

        return name;
    }

    /// <summary>
    /// Keeps ASCII letters, digits, '-', '_' and '.' and writes every other UTF-8 byte as '~' and two
    /// uppercase hex digits. Reversible, hence injective: distinct keys never share a blob. A final '.'
    /// is escaped too, because the service rejects or trims names whose segments end in a dot ("." and
    /// ".." would otherwise be path navigation), and the empty string becomes "~" (a blob name cannot
    /// have empty segments) which no other input produces since '~' is otherwise always followed by hex.
    /// The result is made of URL-unreserved characters only, so it needs no further URL encoding.
    /// </summary>
    public static string EscapeSegment(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (segment.Length == 0)
        {
            return Escape.ToString();
        }

        var builder = new StringBuilder(segment.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            var isLast = i == segment.Length - 1;
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' || (c == '.' && !isLast))
            {
                builder.Append(c);
                continue;
            }

            // A surrogate pair is one code point: encode both halves together. A lone surrogate becomes U+FFFD
            // (as in any UTF-8 encoding), the only lossy case, and not a valid grain key in the first place.
            var length = char.IsHighSurrogate(c) && !isLast && char.IsLowSurrogate(segment[i + 1])
                ? Encoding.UTF8.GetBytes(segment.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(segment.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append(Escape).Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
