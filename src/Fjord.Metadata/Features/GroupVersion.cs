namespace Fjord.Metadata.Features;

/// <summary>
/// What the finalized <c>group.version</c> allows (Kafka's GroupVersion): level 1 or more serves the KIP-848
/// consumer protocol; 0 refuses it (never finalized means the new-cluster level, 1), ConsumerGroupHeartbeat and ConsumerGroupDescribe answering
/// UNSUPPORTED_VERSION as Kafka's KafkaApis does. Thread-safe: static, no state.
/// </summary>
public static class GroupVersion
{
    public static bool IsConsumerProtocolSupported(MetadataImage image) =>
        SupportedFeatures.FinalizedLevel(image.Features, SupportedFeatures.GroupVersion) >= 1;
}
