using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Metadata.Acls;
using Fjord.Protocol.Errors;
using ConfigResourceType = Fjord.Broker.Handlers.ConfigResourceType;

namespace Fjord.Broker.Security;

/// <summary>
/// The broker's authorizer: <see cref="AclAuthorizer"/> over the ACLs of the committed metadata image, asked with the
/// request's principal and client address. Off (every request authorized, as before ACLs existed) unless
/// <c>authorizer.class.name</c> names Kafka's StandardAuthorizer. <c>allow.everyone.if.no.acl.found</c> defaults to
/// false when the Kafka listener authenticates its clients (SSL, SASL_*) and to true on PLAINTEXT, where every client is
/// <c>User:ANONYMOUS</c>. Thread-safe: reads immutable images.
/// </summary>
public sealed class BrokerAuthorizer
{
    /// <summary>The class name Kafka configures its KRaft ACL authorizer with.</summary>
    public const string StandardAuthorizerClassName = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private readonly AclAuthorizer? _acls;
    private readonly Func<MetadataImage> _image;

    public BrokerAuthorizer(AclAuthorizer? acls, Func<MetadataImage> image)
    {
        _acls = acls;
        _image = image;
    }

    /// <summary>The authorizer <paramref name="config"/> asks for, reading ACLs from <paramref name="image"/>.</summary>
    public static BrokerAuthorizer Create(BrokerConfig config, KafkaListenerSecurity security, Func<MetadataImage> image)
    {
        if (config.GetString("authorizer.class.name").Length == 0) return new BrokerAuthorizer(null, image);
        var allowIfNoAcl = config.ExplicitKeys.Contains("allow.everyone.if.no.acl.found")
            ? config.GetBool("allow.everyone.if.no.acl.found")
            : security.Protocol == SecurityProtocol.Plaintext;
        return new BrokerAuthorizer(new AclAuthorizer(AclAuthorizer.ParseSuperUsers(config.GetString("super.users")), allowIfNoAcl), image);
    }

    /// <summary>True when ACLs are enforced (an authorizer is configured).</summary>
    public bool Enabled => _acls is not null;

    /// <summary>True when the request's principal may do <paramref name="operation"/> on the resource.</summary>
    public bool Authorize(RequestContext context, AclOperation operation, AclResourceType resourceType, string resourceName) =>
        _acls is null || _acls.Authorize(_image().Acls.Values, context.Principal, context.ClientHost, operation, resourceType, resourceName);

    /// <summary>True when the request's principal may do <paramref name="operation"/> on the cluster.</summary>
    public bool AuthorizeCluster(RequestContext context, AclOperation operation) =>
        Authorize(context, operation, AclResourceType.Cluster, AclBinding.ClusterResourceName);

    /// <summary>True when the principal may do <paramref name="operation"/> on some resource of the type (KIP-679).</summary>
    public bool AuthorizeAny(RequestContext context, AclOperation operation, AclResourceType resourceType) =>
        _acls is null || _acls.AuthorizeAny(_image().Acls.Values, context.Principal, context.ClientHost, operation, resourceType);

    /// <summary>
    /// DESCRIBE_CONFIGS or ALTER_CONFIGS on a config resource, with Kafka's error when refused: a topic on itself
    /// (TOPIC_AUTHORIZATION_FAILED), a group on itself (GROUP_AUTHORIZATION_FAILED), a broker or broker logger on the cluster (CLUSTER_AUTHORIZATION_FAILED).
    /// </summary>
    public ErrorCode AuthorizeConfigs(RequestContext context, AclOperation operation, ConfigResourceType resourceType, string resourceName) => resourceType switch
    {
        ConfigResourceType.Topic => Authorize(context, operation, AclResourceType.Topic, resourceName) ? ErrorCode.None : ErrorCode.TopicAuthorizationFailed,
        ConfigResourceType.Group => Authorize(context, operation, AclResourceType.Group, resourceName) ? ErrorCode.None : ErrorCode.GroupAuthorizationFailed,
        _ => AuthorizeCluster(context, operation) ? ErrorCode.None : ErrorCode.ClusterAuthorizationFailed,
    };

    /// <summary>The <c>authorized_operations</c> bits for a resource (KIP-430); every supported one when ACLs are off.</summary>
    public int AuthorizedOperations(RequestContext context, AclResourceType resourceType, string resourceName, AclOperation[] supported) =>
        _acls is null
            ? AclResourceOperations.AllOf(supported)
            : _acls.AuthorizedOperations(_image().Acls.Values, context.Principal, context.ClientHost, resourceType, resourceName, supported);
}
