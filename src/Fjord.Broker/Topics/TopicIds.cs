using Fjord.Protocol;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Topics;

/// <summary>Converts the metadata image's topic ids (<see cref="Guid"/>, big-endian bytes) to Kafka's <see cref="Uuid"/> and back. Stateless.</summary>
internal static class TopicIds
{
    public static Uuid ToUuid(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return new Uuid(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes), System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));
    }

    public static Guid ToGuid(Uuid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.WriteBytes(bytes);
        return new Guid(bytes, bigEndian: true);
    }
}
