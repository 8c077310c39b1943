using System.Buffers.Binary;
using System.Text;

namespace Fjord.Raft;

/// <summary>
/// A one-server membership change carried in a <see cref="EntryType.ConfChange"/> entry. Immutable value;
/// safe on any thread. Encoded as 1 type byte, the node id (big-endian u64), then the optional
/// <see cref="Context"/> as UTF-8 (etcd's <c>ConfChange.Context</c>). The core never reads the context: the
/// application uses it to say how to reach the server (Fjord: a learner's rpc address), so that every
/// member learns it from the log, in the same order as the membership itself.
/// </summary>
public readonly record struct ConfChange(ConfChangeType Type, ulong NodeId, string? Context = null)
{
    /// <summary>Encoded length in bytes without a context.</summary>
    public const int EncodedLength = 9;

    /// <summary>Encodes the change for an entry's data.</summary>
    public byte[] Encode()
    {
        var contextLength = Context is null ? 0 : Encoding.UTF8.GetByteCount(Context);
        var bytes = new byte[EncodedLength + contextLength];
        bytes[0] = (byte)Type;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), NodeId);
        if (Context is not null) Encoding.UTF8.GetBytes(Context, bytes.AsSpan(EncodedLength));
        return bytes;
    }

    /// <summary>Decodes an entry's data; throws <see cref="FormatException"/> on garbage (a bug, not input).</summary>
    public static ConfChange Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < EncodedLength || data[0] > (byte)ConfChangeType.DemoteVoter)
            throw new FormatException($"not a conf change: {data.Length} bytes");
        var context = data.Length > EncodedLength ? Encoding.UTF8.GetString(data[EncodedLength..]) : null;
        return new ConfChange((ConfChangeType)data[0], BinaryPrimitives.ReadUInt64BigEndian(data[1..]), context);
    }

    /// <inheritdoc/>
    public override string ToString() => Context is null ? $"{Type} {NodeId}" : $"{Type} {NodeId} {Context}";
}
