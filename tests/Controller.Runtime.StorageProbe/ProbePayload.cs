using System.Buffers.Binary;
using Controller.Runtime.Grains;

namespace Controller.Runtime.StorageProbe;

/// <summary>
/// What the probe writes: an 8-byte little-endian sequence number followed by one filler byte derived from it,
/// repeated, so a reader can tell a whole version from a mix of two without trusting the storage's checksum.
/// </summary>
internal static class ProbePayload
{
    /// <summary>The grain whose state the probe rewrites.</summary>
    public static readonly GrainId Grain = new("storage-probe", "crash/../test ü");

    /// <summary>The state name the probe writes.</summary>
    public const string StateName = "state";

    /// <summary>About 1 MiB, so that a write takes long enough for a kill to land inside it.</summary>
    public const int DefaultSize = 1 << 20;

    /// <summary>The payload of version <paramref name="sequence"/>, <paramref name="size"/> bytes long (at least 8).</summary>
    public static byte[] Create(long sequence, int size)
    {
        var payload = new byte[Math.Max(size, sizeof(long))];
        BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        // A memset rather than a per-byte pattern: the probe's time should go to the storage, where the kills land.
        payload.AsSpan(sizeof(long)).Fill(Filler(sequence));
        return payload;
    }

    /// <summary>The sequence number of a payload whose filler matches it; false for anything else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out long sequence)
    {
        sequence = 0;
        if (payload.Length < sizeof(long))
        {
            return false;
        }

        var candidate = BinaryPrimitives.ReadInt64LittleEndian(payload);
        if (payload[sizeof(long)..].ContainsAnyExcept(Filler(candidate)))
        {
            return false;
        }

        sequence = candidate;
        return true;
    }

    // Consecutive versions get different filler bytes, so a file mixing two adjacent versions fails TryRead.
    private static byte Filler(long sequence) => (byte)((sequence * 31) + 7);
}
