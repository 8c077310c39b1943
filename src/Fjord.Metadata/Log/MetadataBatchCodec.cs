using Fjord.Metadata.Records;
using Google.Protobuf;

namespace Fjord.Metadata;

/// <summary>
/// The framing of a metadata-log Raft entry and of a metadata snapshot: one format byte followed by a
/// protobuf <see cref="MetadataBatch"/>. An empty payload is a Raft no-op (Raft paper §8) and holds no
/// records. The format byte lets a later encoding coexist with this one in old logs. Stateless; safe on
/// any thread.
/// </summary>
public static class MetadataBatchCodec
{
    /// <summary>The only format so far: a protobuf MetadataBatch.</summary>
    public const byte FormatProtobufV1 = 1;

    /// <summary>Encodes records as one entry payload.</summary>
    public static byte[] EncodeRecords(IReadOnlyCollection<MetadataRecord> records)
    {
        var batch = new MetadataBatch();
        batch.Records.AddRange(records);
        var bytes = new byte[1 + batch.CalculateSize()];
        bytes[0] = FormatProtobufV1;
        batch.WriteTo(bytes.AsSpan(1));
        return bytes;
    }

    /// <summary>Decodes an entry payload; throws <see cref="InvalidDataException"/> on an unknown format or bad bytes.</summary>
    public static IReadOnlyList<MetadataRecord> DecodeRecords(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) return [];
        if (payload[0] != FormatProtobufV1) throw new InvalidDataException($"unknown metadata entry format {payload[0]}");
        try
        {
            return MetadataBatch.Parser.ParseFrom(payload[1..]).Records;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException("corrupt metadata entry", e);
        }
    }
}
