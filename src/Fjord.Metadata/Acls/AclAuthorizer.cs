using System.Collections.Immutable;

namespace Fjord.Metadata.Acls;

/// <summary>
/// Kafka's ACL decision (the StandardAuthorizer's rules, KIP-801) over the bindings of one metadata image:
/// <list type="bullet">
/// <item>a super user (<c>super.users</c>) may do everything;</item>
/// <item>a binding applies to a resource when its type matches and its pattern does: LITERAL with the same name or
/// <c>*</c>, PREFIXED with a prefix of the name; and to a request when its principal is the requester's or
/// <c>User:*</c> and its host the client's address or <c>*</c>;</item>
/// <item>any applying DENY for the operation (or ALL) wins; otherwise an applying ALLOW grants it, where ALLOW of READ,
/// WRITE, DELETE or ALTER also grants DESCRIBE and ALLOW of ALTER_CONFIGS grants DESCRIBE_CONFIGS (deny has no such
/// implications);</item>
/// <item>when no binding at all names the resource, <c>allow.everyone.if.no.acl.found</c> decides.</item>
/// </list>
/// Pure and immutable; safe on any thread.
/// </summary>
public sealed class AclAuthorizer(ImmutableHashSet<string> superUsers, bool allowEveryoneIfNoAclFound)
{
    /// <summary>The principal of a client that did not authenticate (Kafka's KafkaPrincipal.ANONYMOUS).</summary>
    public const string AnonymousPrincipal = "User:ANONYMOUS";

    private const string WildcardPrincipal = "User:*";

    /// <summary>Principals from <c>super.users</c>: <c>User:a;User:b</c>, semicolon-separated as Kafka reads it.</summary>
    public static ImmutableHashSet<string> ParseSuperUsers(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToImmutableHashSet(StringComparer.Ordinal);

    /// <summary>The super users in force.</summary>
    public ImmutableHashSet<string> SuperUsers { get; } = superUsers;

    /// <summary>The decision for a resource no binding names.</summary>
    public bool AllowEveryoneIfNoAclFound { get; } = allowEveryoneIfNoAclFound;

    /// <summary>True when the ACLs let <paramref name="principal"/> at <paramref name="host"/> do <paramref name="operation"/> on the resource.</summary>
    public bool Authorize(IEnumerable<AclBinding> acls, string principal, string host, AclOperation operation, AclResourceType resourceType, string resourceName)
    {
        if (SuperUsers.Contains(principal)) return true;
        var resourceHasAcls = false;
        var allowed = false;
        foreach (var acl in acls)
        {
            if (acl.ResourceType != resourceType || !PatternApplies(acl, resourceName)) continue;
            resourceHasAcls = true;
            if (!EntryApplies(acl, principal, host)) continue;
            if (acl.Permission == AclPermissionType.Deny)
            {
                if (acl.Operation == AclOperation.All || acl.Operation == operation) return false;
            }
            else if (Grants(acl.Operation, operation))
            {
                allowed = true;
            }
        }
        return allowed || (!resourceHasAcls && AllowEveryoneIfNoAclFound);
    }

    /// <summary>
    /// True when <paramref name="principal"/> may do <paramref name="operation"/> on at least one resource of the type
    /// (Kafka's authorizeByResourceType, KIP-679): some ALLOW for it (or ALL) is not covered by a DENY — a LITERAL
    /// <c>*</c> DENY covers all, a DENY of the same literal name or of a prefix covers a name. With no binding of the type
    /// at all, <c>allow.everyone.if.no.acl.found</c> decides.
    /// </summary>
    public bool AuthorizeAny(IEnumerable<AclBinding> acls, string principal, string host, AclOperation operation, AclResourceType resourceType)
    {
        if (SuperUsers.Contains(principal)) return true;
        var typeHasAcls = false;
        var allows = new List<AclBinding>();
        var denies = new List<AclBinding>();
        foreach (var acl in acls)
        {
            if (acl.ResourceType != resourceType) continue;
            typeHasAcls = true;
            if (!EntryApplies(acl, principal, host) || (acl.Operation != operation && acl.Operation != AclOperation.All)) continue;
            (acl.Permission == AclPermissionType.Deny ? denies : allows).Add(acl);
        }
        if (!typeHasAcls) return AllowEveryoneIfNoAclFound;
        if (denies.Exists(d => d.PatternType == AclPatternType.Literal && d.ResourceName == AclBinding.Wildcard)) return false;
        return allows.Exists(a => !denies.Exists(d => Covers(d, a)));
    }

    /// <summary>
    /// The <c>authorized_operations</c> bit set (KIP-430): bit <c>op</c> set for each of <paramref name="supported"/>
    /// the principal may do on the resource.
    /// </summary>
    public int AuthorizedOperations(IEnumerable<AclBinding> acls, string principal, string host, AclResourceType resourceType, string resourceName, IEnumerable<AclOperation> supported)
    {
        var bits = 0;
        foreach (var op in supported)
            if (Authorize(acls, principal, host, op, resourceType, resourceName)) bits |= 1 << (int)op;
        return bits;
    }

    private static bool PatternApplies(AclBinding acl, string name) => acl.PatternType switch
    {
        AclPatternType.Literal => acl.ResourceName == name || acl.ResourceName == AclBinding.Wildcard,
        AclPatternType.Prefixed => name.StartsWith(acl.ResourceName, StringComparison.Ordinal),
        _ => false,
    };

    // User:* stands for every principal of type User only, as in Kafka.
    private static bool EntryApplies(AclBinding acl, string principal, string host) =>
        (acl.Principal == principal || (acl.Principal == WildcardPrincipal && principal.StartsWith("User:", StringComparison.Ordinal)))
        && (acl.Host == host || acl.Host == AclBinding.Wildcard);

    private static bool Grants(AclOperation granted, AclOperation requested) =>
        granted == AclOperation.All || granted == requested || requested switch
        {
            AclOperation.Describe => granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter,
            AclOperation.DescribeConfigs => granted == AclOperation.AlterConfigs,
            _ => false,
        };

    private static bool Covers(AclBinding deny, AclBinding allow) => deny.PatternType switch
    {
        AclPatternType.Literal => allow.PatternType == AclPatternType.Literal && deny.ResourceName == allow.ResourceName,
        AclPatternType.Prefixed => allow.ResourceName.StartsWith(deny.ResourceName, StringComparison.Ordinal),
        _ => false,
    };
}
