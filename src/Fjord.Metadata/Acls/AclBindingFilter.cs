namespace Fjord.Metadata.Acls;

/// <summary>
/// Selects bindings for DescribeAcls and DeleteAcls (Kafka's AclBindingFilter). A null name, principal or host and
/// the code ANY match everything; <see cref="AclPatternType.Any"/> matches either pattern type with exactly the name,
/// <see cref="AclPatternType.Match"/> the bindings that apply to a resource of that name (literal, <c>*</c>,
/// prefixes of it). Immutable value; safe on any thread.
/// </summary>
public sealed record AclBindingFilter(
    AclResourceType ResourceType,
    string? ResourceName,
    AclPatternType PatternType,
    string? Principal,
    string? Host,
    AclOperation Operation,
    AclPermissionType Permission)
{
    /// <summary>Matches every binding.</summary>
    public static readonly AclBindingFilter All = new(AclResourceType.Any, null, AclPatternType.Any, null, null, AclOperation.Any, AclPermissionType.Any);

    /// <summary>Why this filter is unusable (an UNKNOWN or undefined code; INVALID_REQUEST), or null.</summary>
    public string? Invalid()
    {
        if (ResourceType == AclResourceType.Unknown || !Enum.IsDefined(ResourceType)) return $"Invalid resource type filter {(sbyte)ResourceType}.";
        if (PatternType == AclPatternType.Unknown || !Enum.IsDefined(PatternType)) return $"Invalid pattern type filter {(sbyte)PatternType}.";
        if (Operation == AclOperation.Unknown || !Enum.IsDefined(Operation)) return $"Invalid operation filter {(sbyte)Operation}.";
        if (Permission == AclPermissionType.Unknown || !Enum.IsDefined(Permission)) return $"Invalid permission type filter {(sbyte)Permission}.";
        return null;
    }

    /// <summary>True when <paramref name="binding"/> is selected.</summary>
    public bool Matches(AclBinding binding) =>
        (ResourceType == AclResourceType.Any || ResourceType == binding.ResourceType)
        && PatternMatches(binding)
        && (Principal is null || Principal == binding.Principal)
        && (Host is null || Host == binding.Host)
        && (Operation == AclOperation.Any || Operation == binding.Operation)
        && (Permission == AclPermissionType.Any || Permission == binding.Permission);

    private bool PatternMatches(AclBinding binding)
    {
        switch (PatternType)
        {
            case AclPatternType.Any:
                return ResourceName is null || ResourceName == binding.ResourceName;
            case AclPatternType.Match:
                if (ResourceName is null) return true;
                return binding.PatternType switch
                {
                    AclPatternType.Literal => binding.ResourceName == ResourceName || binding.ResourceName == AclBinding.Wildcard,
                    AclPatternType.Prefixed => ResourceName.StartsWith(binding.ResourceName, StringComparison.Ordinal),
                    _ => false,
                };
            default:
                return PatternType == binding.PatternType && (ResourceName is null || ResourceName == binding.ResourceName);
        }
    }
}
