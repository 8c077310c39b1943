using System.Buffers;
using Fjord.Protocol;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// Reads the topics out of consumer-protocol subscriptions (the JoinGroup metadata of groups with
/// protocol type "consumer"), so that offsets of unsubscribed topics can expire (KIP-496) and
/// OffsetDelete can refuse subscribed ones. Thread-safe: static, no state.
/// </summary>
public static class ConsumerSubscriptions
{
    public const string ConsumerProtocolType = "consumer";

    /// <summary>The union of the members' subscribed topics; null when the group is not a consumer group or a subscription does not parse.</summary>
    public static IReadOnlySet<string>? SubscribedTopics(ClassicGroup group)
    {
        if (group.ProtocolType != ConsumerProtocolType || group.ProtocolName is null)
        {
            return null;
        }

        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in group.Members)
        {
            if (TryReadTopics(member.MetadataFor(group.ProtocolName), out var memberTopics))
            {
                topics.UnionWith(memberTopics);
            }
            else
            {
                return null;
            }
        }

        return topics;
    }

    /// <summary>The topics of a ConsumerProtocolSubscription; false when it does not parse.</summary>
    public static bool TryReadTopics(byte[] metadata, out List<string> topics)
    {
        var parsed = TryReadSubscription(metadata, out var subscription);
        topics = parsed ? subscription!.Topics : [];
        return parsed;
    }

    /// <summary>
    /// Parses a ConsumerProtocolSubscription (int16 version, then the body). Versions above the
    /// highest known are read as the highest known one: later versions only append fields.
    /// </summary>
    public static bool TryReadSubscription(byte[] metadata, out ConsumerProtocolSubscription? subscription)
    {
        subscription = null;
        try
        {
            var reader = new ProtocolReader(new ReadOnlySequence<byte>(metadata));
            var version = reader.ReadInt16();
            if (version < 0)
            {
                return false;
            }

            var parsed = new ConsumerProtocolSubscription();
            parsed.Read(ref reader, Math.Min(version, ConsumerProtocolSubscription.HighestSupportedVersion));
            subscription = parsed;
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    /// <summary>Parses a ConsumerProtocolAssignment; empty bytes (a member not assigned yet) are an empty assignment.</summary>
    public static bool TryReadAssignment(byte[] assignment, out ConsumerProtocolAssignment? parsed)
    {
        parsed = new ConsumerProtocolAssignment();
        if (assignment.Length == 0)
        {
            return true;
        }

        try
        {
            var reader = new ProtocolReader(new ReadOnlySequence<byte>(assignment));
            var version = reader.ReadInt16();
            if (version < 0)
            {
                parsed = null;
                return false;
            }

            parsed.Read(ref reader, Math.Min(version, ConsumerProtocolAssignment.HighestSupportedVersion));
            return true;
        }
        catch (ProtocolException)
        {
            parsed = null;
            return false;
        }
    }

    /// <summary>
    /// Writes a ConsumerProtocolAssignment in the version of the member's subscription <paramref name="metadata"/>
    /// (its leading int16, capped at the highest version known), as Kafka answers classic members of consumer groups.
    /// </summary>
    public static byte[] WriteAssignment(IEnumerable<(string Topic, int Partition)> partitions, byte[] metadata)
    {
        var version = metadata.Length >= 2 ? System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(metadata) : (short)0;
        version = Math.Clamp(version, (short)0, ConsumerProtocolAssignment.HighestSupportedVersion);
        var assignment = new ConsumerProtocolAssignment();
        foreach (var (topic, partition) in partitions)
        {
            if (assignment.AssignedPartitions.Count == 0 || assignment.AssignedPartitions[^1].Topic != topic)
            {
                assignment.AssignedPartitions.Add(new ConsumerProtocolAssignment.TopicPartition { Topic = topic });
            }

            assignment.AssignedPartitions[^1].Partitions.Add(partition);
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(version);
        assignment.Write(ref writer, version);
        return buffer.WrittenSpan.ToArray();
    }
}
