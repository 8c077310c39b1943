namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// group.consumer.migration.policy (KIP-848's online migration, Kafka's names): whether a classic group with
/// members is converted in place when a consumer-protocol member joins it (upgrade), and whether a consumer
/// group whose last consumer-protocol member leaves becomes a classic group again (downgrade).
/// </summary>
public enum ConsumerGroupMigrationPolicy
{
    Disabled,
    Upgrade,
    Downgrade,
    Bidirectional,
}
