namespace Fjord.Metadata;

/// <summary>
/// Receives every new committed image with the delta that produced it (Kafka's MetadataPublisher): the
/// broker's replica manager, the Metadata handler's cache, the controller activation logic. Called on
/// the metadata log's apply loop, in log order; implementations must not block it.
/// </summary>
public interface IMetadataPublisher
{
    /// <summary>A committed delta was applied; <paramref name="delta"/> is null after a snapshot load (everything may have changed).</summary>
    void Publish(MetadataImage image, MetadataDelta? delta);
}
