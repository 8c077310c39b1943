namespace Fjord.Coordinator.Groups;

/// <summary>
/// The session timeout and heartbeat interval the coordinator gives the KIP-848 members of one group: the group's
/// own configs (Kafka's GROUP config resource: <c>consumer.session.timeout.ms</c>, <c>consumer.heartbeat.interval.ms</c>)
/// where set, else the broker's <c>group.consumer.*</c> defaults. Immutable.
/// </summary>
public readonly record struct ConsumerGroupTimeouts(int SessionTimeoutMs, int HeartbeatIntervalMs);
