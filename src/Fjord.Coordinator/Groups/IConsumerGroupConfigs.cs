namespace Fjord.Coordinator.Groups;

/// <summary>
/// Where the coordinator reads a group's dynamic configs; the broker answers from its committed metadata image, so a
/// change applies from the members' next heartbeat. Implementations must be thread-safe and cheap (called per heartbeat).
/// </summary>
public interface IConsumerGroupConfigs
{
    /// <summary>The timeouts of <paramref name="groupId"/>, the group's configs over <paramref name="defaults"/>.</summary>
    ConsumerGroupTimeouts For(string groupId, ConsumerGroupTimeouts defaults);
}
