using System.Buffers.Binary;

namespace Fjord.Raft;

/// <summary>
/// A one-server membership change carried in a <see cref="EntryType.ConfChange"/> entry. Immutable value;
/// safe on any thread. Encoded as 1 type byte followed by the node id (big-endian u64).
/// </summary>
public readonly record struct ConfChange(ConfChangeType Type, ulong NodeId)
{
    /// <summary>Encoded length in bytes.</summary>
    public const int EncodedLength = 9;

    /// <summary>Encodes the change for an entry's data.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        bytes[0] = (byte)Type;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), NodeId);
        return bytes;
    }

    /// <summary>Decodes an entry's data; throws <see cref="FormatException"/> on garbage (a bug, not input).</summary>
    public static ConfChange Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length != EncodedLength || data[0] > (byte)ConfChangeType.PromoteLearner)
            throw new FormatException($"not a conf change: {data.Length} bytes");
        return new ConfChange((ConfChangeType)data[0], BinaryPrimitives.ReadUInt64BigEndian(data[1..]));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {NodeId}";
}
