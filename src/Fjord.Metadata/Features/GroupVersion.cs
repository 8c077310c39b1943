namespace Fjord.Metadata.Features;

/// <summary>
/// What the finalized <c>group.version</c> allows (Kafka's GroupVersion): level 1 or more serves the KIP-848
/// consumer protocol; 0 (or never finalized) refuses it, ConsumerGroupHeartbeat and ConsumerGroupDescribe answering
/// UNSUPPORTED_VERSION as Kafka's KafkaApis does. Thread-safe: static, no state.
/// </summary>
public static class GroupVersion
{
    public static bool IsConsumerProtocolSupported(MetadataImage image) =>
        image.Features.GetValueOrDefault(SupportedFeatures.GroupVersion) >= 1;
}
