namespace Fjord.Metadata.Acls;

/// <summary>
/// Kafka's AclOperation codes. ANY is for filters only; ALL in a binding grants or denies every operation. The codes
/// are also the bit positions of the <c>authorized_operations</c> fields (KIP-430).
/// </summary>
public enum AclOperation : sbyte
{
    Unknown = 0,
    Any = 1,
    All = 2,
    Read = 3,
    Write = 4,
    Create = 5,
    Delete = 6,
    Alter = 7,
    Describe = 8,
    ClusterAction = 9,
    DescribeConfigs = 10,
    AlterConfigs = 11,
    IdempotentWrite = 12,
    CreateTokens = 13,
    DescribeTokens = 14,
}
