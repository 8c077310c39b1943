namespace Fjord.Metadata.Acls;

/// <summary>Kafka's AclPermissionType codes. ANY is for filters only.</summary>
public enum AclPermissionType : sbyte
{
    Unknown = 0,
    Any = 1,
    Deny = 2,
    Allow = 3,
}
