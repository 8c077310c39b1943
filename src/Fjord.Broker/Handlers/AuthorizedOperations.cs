namespace Fjord.Broker.Handlers;

/// <summary>
/// Bit sets of Kafka ACL operations (AclOperation codes) that Metadata, DescribeCluster and the group describes report
/// when asked. Fjord has no authorizer yet, so every operation a resource supports is allowed.
/// </summary>
public static class AuthorizedOperations
{
    /// <summary>Kafka's "not requested" marker.</summary>
    public const int NotRequested = int.MinValue;

    private const int Read = 3, Write = 4, Create = 5, Delete = 6, Alter = 7, Describe = 8, ClusterAction = 9, DescribeConfigs = 10, AlterConfigs = 11, IdempotentWrite = 12;

    public const int Topic = (1 << Read) | (1 << Write) | (1 << Create) | (1 << Delete) | (1 << Alter) | (1 << Describe) | (1 << DescribeConfigs) | (1 << AlterConfigs);

    /// <summary>A group's operations (DescribeGroups, ConsumerGroupDescribe): READ, DELETE, DESCRIBE.</summary>
    public const int Group = (1 << Read) | (1 << Delete) | (1 << Describe);

    public const int Cluster = (1 << Create) | (1 << Alter) | (1 << Describe) | (1 << ClusterAction) | (1 << DescribeConfigs) | (1 << AlterConfigs) | (1 << IdempotentWrite);
}
