using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Security;

/// <summary>
/// The checks Kafka makes on a whole request before looking inside it: APIs that act on the cluster (CLUSTER_AUTHORIZATION_FAILED)
/// and APIs that act on one group (GROUP_AUTHORIZATION_FAILED). The caller answers a refusal with the handler's
/// error response, which fails every part of the request. Checks on individual topics and groups live in the handlers.
/// Thread-safe.
/// </summary>
public sealed class RequestAuthorization(BrokerAuthorizer authorizer)
{
    /// <summary>Runs <paramref name="handler"/>, or answers its error response when the request is refused.</summary>
    public ValueTask<IResponseMessage?> HandleAsync(IApiHandler handler, RequestContext context, IRequestMessage request) =>
        Check(context, request) is not ErrorCode.None and var refused
            ? new(handler.ErrorResponse(request, refused))
            : handler.HandleAsync(context, request);

    /// <summary>The error refusing <paramref name="request"/>, or <see cref="ErrorCode.None"/> when it may go on.</summary>
    public ErrorCode Check(RequestContext context, IRequestMessage request)
    {
        if (!authorizer.Enabled) return ErrorCode.None;
        var (operation, group) = Required(request);
        if (operation == AclOperation.Unknown) return ErrorCode.None;
        if (group is null) return authorizer.AuthorizeCluster(context, operation) ? ErrorCode.None : ErrorCode.ClusterAuthorizationFailed;
        return authorizer.Authorize(context, operation, AclResourceType.Group, group) ? ErrorCode.None : ErrorCode.GroupAuthorizationFailed;
    }

    // The operation each API needs (KafkaApis), on the cluster when no group is named; Unknown: checked in the handler.
    private static (AclOperation Operation, string? Group) Required(IRequestMessage request) => request switch
    {
        DescribeClusterRequest or DescribeLogDirsRequest or DescribeQuorumRequest or ListPartitionReassignmentsRequest or DescribeAclsRequest
            or DescribeUserScramCredentialsRequest
            => (AclOperation.Describe, null),
        ElectLeadersRequest or AlterPartitionReassignmentsRequest or UpdateFeaturesRequest or CreateAclsRequest or DeleteAclsRequest
            or AlterUserScramCredentialsRequest
            => (AclOperation.Alter, null),
        JoinGroupRequest r => (AclOperation.Read, r.GroupId),
        SyncGroupRequest r => (AclOperation.Read, r.GroupId),
        HeartbeatRequest r => (AclOperation.Read, r.GroupId),
        LeaveGroupRequest r => (AclOperation.Read, r.GroupId),
        OffsetCommitRequest r => (AclOperation.Read, r.GroupId),
        ConsumerGroupHeartbeatRequest r => (AclOperation.Read, r.GroupId),
        OffsetDeleteRequest r => (AclOperation.Delete, r.GroupId),
        _ => (AclOperation.Unknown, null),
    };
}
