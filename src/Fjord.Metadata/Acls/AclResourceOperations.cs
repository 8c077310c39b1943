namespace Fjord.Metadata.Acls;

/// <summary>
/// The operations each resource type supports (Kafka's AclEntry.supportedOperations): the ones the
/// <c>authorized_operations</c> fields report. Immutable; safe on any thread.
/// </summary>
public static class AclResourceOperations
{
    public static readonly AclOperation[] Topic =
    [
        AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Describe, AclOperation.Delete,
        AclOperation.Alter, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
    ];

    public static readonly AclOperation[] Group = [AclOperation.Read, AclOperation.Describe, AclOperation.Delete];

    public static readonly AclOperation[] Cluster =
    [
        AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
        AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe,
    ];

    /// <summary>The bit set of every operation in <paramref name="operations"/> (what an absent authorizer reports).</summary>
    public static int AllOf(AclOperation[] operations)
    {
        var bits = 0;
        foreach (var op in operations) bits |= 1 << (int)op;
        return bits;
    }
}
