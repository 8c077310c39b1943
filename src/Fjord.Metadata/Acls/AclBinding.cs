using Fjord.Metadata.Records;

namespace Fjord.Metadata.Acls;

/// <summary>
/// One ACL (Kafka's AclBinding): a resource pattern (type, name, LITERAL or PREFIXED) and an entry (principal, host,
/// operation, ALLOW or DENY). Immutable value; safe on any thread.
/// </summary>
public sealed record AclBinding(
    AclResourceType ResourceType,
    string ResourceName,
    AclPatternType PatternType,
    string Principal,
    string Host,
    AclOperation Operation,
    AclPermissionType Permission)
{
    /// <summary>The name of the one CLUSTER resource (Kafka's <c>kafka-cluster</c>).</summary>
    public const string ClusterResourceName = "kafka-cluster";

    /// <summary>A LITERAL resource name or principal/host that matches every one.</summary>
    public const string Wildcard = "*";

    /// <summary>
    /// Why this binding may not be stored (Kafka's AclApis and AclControlManager checks, all INVALID_REQUEST), or null:
    /// the filter-only codes ANY/MATCH/UNKNOWN, an empty name, a CLUSTER name other than kafka-cluster, a principal not
    /// of the form <c>Type:name</c>, an empty host.
    /// </summary>
    public string? Invalid()
    {
        if (ResourceType is AclResourceType.Unknown or AclResourceType.Any || !Enum.IsDefined(ResourceType))
            return $"Invalid resource type {(sbyte)ResourceType}.";
        if (PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed))
            return $"Invalid pattern type {(sbyte)PatternType}.";
        if (Operation is AclOperation.Unknown or AclOperation.Any || !Enum.IsDefined(Operation))
            return $"Invalid operation {(sbyte)Operation}.";
        if (Permission is not (AclPermissionType.Allow or AclPermissionType.Deny))
            return $"Invalid permission type {(sbyte)Permission}.";
        if (ResourceName.Length == 0) return "Invalid empty resource name.";
        if (ResourceType == AclResourceType.Cluster && ResourceName != ClusterResourceName)
            return $"The only valid name for the CLUSTER resource is {ClusterResourceName}.";
        var colon = Principal.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == Principal.Length - 1) return $"Could not parse principal '{Principal}': expected Type:name.";
        if (Host.Length == 0) return "Invalid empty host.";
        return null;
    }

    /// <summary>The record that stores this binding under <paramref name="id"/>.</summary>
    public AccessControlEntryRecord ToRecord(Guid id) => new()
    {
        Id = Uuids.ToByteString(id),
        ResourceType = (int)ResourceType,
        ResourceName = ResourceName,
        PatternType = (int)PatternType,
        Principal = Principal,
        Host = Host,
        Operation = (int)Operation,
        PermissionType = (int)Permission,
    };

    /// <summary>The binding a record stores.</summary>
    public static AclBinding FromRecord(AccessControlEntryRecord r) => new(
        (AclResourceType)r.ResourceType, r.ResourceName, (AclPatternType)r.PatternType, r.Principal, r.Host,
        (AclOperation)r.Operation, (AclPermissionType)r.PermissionType);
}
