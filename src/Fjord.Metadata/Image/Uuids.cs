using Google.Protobuf;

namespace Fjord.Metadata;

/// <summary>
/// Kafka UUIDs (topic ids, incarnation ids) as <see cref="Guid"/> in the image and as 16 big-endian bytes in
/// records. Stateless; safe on any thread.
/// </summary>
public static class Uuids
{
    /// <summary>The 16-byte record form.</summary>
    public static ByteString ToByteString(Guid id) => ByteString.CopyFrom(id.ToByteArray(bigEndian: true));

    /// <summary>Reads the 16-byte record form; throws on any other length (a corrupt record).</summary>
    public static Guid ToGuid(ByteString bytes)
    {
        if (bytes.Length != 16) throw new InvalidOperationException($"a UUID has 16 bytes, not {bytes.Length}");
        return new Guid(bytes.Span, bigEndian: true);
    }

    /// <summary>A random non-zero UUID from the injected <paramref name="random"/> (so a seeded run replays exactly).</summary>
    public static Guid NewUuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        do random.NextBytes(bytes);
        while (bytes.IndexOfAnyExcept((byte)0) < 0);
        return new Guid(bytes, bigEndian: true);
    }
}
