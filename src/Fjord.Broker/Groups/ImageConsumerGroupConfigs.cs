using Fjord.Broker.Quorum;
using Fjord.Coordinator.Groups;
using Fjord.Metadata;

namespace Fjord.Broker.Groups;

/// <summary>
/// The coordinator's view of GROUP configs: read from this node's committed metadata image on every heartbeat, so a
/// change reaches members at their next heartbeat without a publisher. Lazy because the quorum is built after the
/// coordinator (it publishes to it). Thread-safe: the image is immutable and swapped atomically.
/// </summary>
public sealed class ImageConsumerGroupConfigs(Lazy<MetadataQuorum> quorum) : IConsumerGroupConfigs
{
    /// <inheritdoc/>
    public ConsumerGroupTimeouts For(string groupId, ConsumerGroupTimeouts defaults) =>
        GroupConfigs.Resolve(defaults, quorum.Value.StateMachine.Image.Configs.GetValueOrDefault(ConfigResource.Group(groupId)));
}
