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

    /// <summary>
    /// Parses a ConsumerProtocolSubscription (int16 version, then the body). Versions above the
    /// highest known are read as the highest known one: later versions only append fields.
    /// </summary>
    public static bool TryReadTopics(byte[] metadata, out List<string> topics)
    {
        topics = [];
        try
        {
            var reader = new ProtocolReader(new ReadOnlySequence<byte>(metadata));
            var version = reader.ReadInt16();
            if (version < 0)
            {
                return false;
            }

            var subscription = new ConsumerProtocolSubscription();
            subscription.Read(ref reader, Math.Min(version, ConsumerProtocolSubscription.HighestSupportedVersion));
            topics = subscription.Topics;
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
