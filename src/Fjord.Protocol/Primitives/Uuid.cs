using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace Fjord.Protocol;

/// <summary>
/// Kafka's 128-bit UUID (topic ids, directory ids, incarnation ids): two big-endian longs on the wire.
/// Its text form is Kafka's: the 16 big-endian bytes in URL-safe base64 without padding (22 characters),
/// e.g. <c>AAAAAAAAAAAAAAAAAAAAAA</c> for <see cref="Zero"/>. Immutable and thread-safe.
/// </summary>
public readonly record struct Uuid(long MostSignificantBits, long LeastSignificantBits)
{
    /// <summary>The all-zero UUID, Kafka's "no id" sentinel.</summary>
    public static Uuid Zero => default;

    /// <summary>Kafka's reserved id of the <c>__cluster_metadata</c> topic (0, 1); never generated at random.</summary>
    public static Uuid MetadataTopicId => new(0, 1);

    /// <summary>A random version-4 UUID, as Kafka's <c>Uuid.randomUuid()</c>.</summary>
    public static Uuid NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            // Guid.NewGuid is a version-4 UUID; written big-endian its bytes are in RFC 4122 order.
            Guid.NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
            var uuid = FromBytes(bytes);
            if (IsAcceptableRandom(uuid))
            {
                return uuid;
            }
        }
    }

    /// <summary>A random version-4 UUID drawn from <paramref name="random"/>, for deterministic simulations.</summary>
    public static Uuid NewRandom(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            random.NextBytes(bytes);
            bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40); // version 4
            bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80); // IETF variant
            var uuid = FromBytes(bytes);
            if (IsAcceptableRandom(uuid))
            {
                return uuid;
            }
        }
    }

    /// <summary>Parses Kafka's base64 text form.</summary>
    /// <exception cref="FormatException">The text is not 16 bytes of URL-safe base64.</exception>
    public static Uuid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var uuid)
            ? uuid
            : throw new FormatException($"'{text}' is not a Kafka UUID (22 characters of URL-safe base64)");
    }

    /// <summary>Parses Kafka's base64 text form; false if <paramref name="text"/> is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Uuid uuid)
    {
        uuid = default;
        // Kafka accepts the 22-character form and, like Java's decoder, the padded 24-character one.
        if (text is null || text.Length < 22 || text.Length > 24)
        {
            return false;
        }

        // TryDecodeFromChars throws on characters outside the alphabet, so validate first.
        if (!Base64Url.IsValid(text, out int decodedLength) || decodedLength != 16)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out int written) || written != 16)
        {
            return false;
        }

        uuid = FromBytes(bytes);
        return true;
    }

    /// <summary>Writes the 16 big-endian bytes of this UUID.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, MostSignificantBits);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], LeastSignificantBits);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    private static Uuid FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));

    // Kafka's randomUuid never returns the reserved ids, nor one whose text starts with '-'
    // (it would look like a command-line flag to Kafka's tools).
    private static bool IsAcceptableRandom(Uuid uuid) =>
        uuid != Zero && uuid != MetadataTopicId && (ulong)uuid.MostSignificantBits >> 58 != 62;
}
