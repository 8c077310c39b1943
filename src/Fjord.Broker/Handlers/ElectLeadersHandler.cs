using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ElectLeaders, versions 0-2: a <see cref="QuorumController.ElectLeaders"/> command on the
/// active controller (KIP-183 PREFERRED: the first replica leads again when it is an eligible ISR member,
/// else PREFERRED_LEADER_NOT_AVAILABLE; KIP-460 UNCLEAN, v1+: only leaderless partitions, any eligible
/// replica when no ISR member is), answered once the records commit. A null partition list means every
/// partition, and only partitions that changed are reported. Forwarded to the controller by
/// <see cref="ControllerRequestRouter"/>; an election type other than 0 or 1 gets INVALID_REQUEST.
/// </summary>
public sealed class ElectLeadersHandler(ControllerRequestRouter router) : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    public override ApiKey ApiKey => ApiKey.ElectLeaders;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ElectLeadersRequest request)
    {
        if (!TryElectionType(request, out var type))
            return Failed(request, ErrorCode.InvalidRequest, context.ApiVersion);
        var partitions = PartitionsOf(request);
        return await router.RunAsync<IReadOnlyList<ElectLeadersResult>, ElectLeadersResponse>(context, request,
            c => c.ElectLeaders(type, partitions), ToResponse,
            error => Failed(request, error, context.ApiVersion)).ConfigureAwait(false);
    }

    protected override ElectLeadersResponse ErrorResponse(ElectLeadersRequest request, ErrorCode error) =>
        Failed(request, error, request.TopicPartitions is null ? (short)1 : (short)0);

    /// <summary>The request's election type (always preferred before v1); false for an unknown type.</summary>
    private static bool TryElectionType(ElectLeadersRequest request, out ElectionType type)
    {
        type = (ElectionType)request.ElectionType;
        return request.ElectionType is 0 or 1;
    }

    /// <summary>The partitions named, each once; null when the request means every partition.</summary>
    private static IReadOnlyList<TopicPartitionName>? PartitionsOf(ElectLeadersRequest request) =>
        request.TopicPartitions?.SelectMany(t => t.Partitions.Select(p => new TopicPartitionName(t.Topic, p))).Distinct().ToList();

    /// <summary>Kafka's response shape: results grouped by topic, a null message where there is no error.</summary>
    private static ElectLeadersResponse ToResponse(IEnumerable<ElectLeadersResult> results)
    {
        var response = new ElectLeadersResponse();
        foreach (var topic in results.GroupBy(r => r.Topic))
        {
            var entry = new ElectLeadersResponse.ReplicaElectionResult { Topic = topic.Key };
            foreach (var r in topic)
                entry.PartitionResult.Add(new ElectLeadersResponse.PartitionResult
                {
                    PartitionId = r.Partition,
                    ErrorCode = (short)r.Error,
                    ErrorMessage = r.Error == ErrorCode.None ? null : r.Message,
                });
            response.ReplicaElectionResults.Add(entry);
        }
        return response;
    }

    /// <summary>
    /// Fails every named partition with <paramref name="error"/>, and the whole request from v1 (v0 has no
    /// top-level error code, so a v0 request for every partition cannot carry one and closes the connection).
    /// </summary>
    private static ElectLeadersResponse Failed(ElectLeadersRequest request, ErrorCode error, short version)
    {
        var response = new ElectLeadersResponse { ErrorCode = version >= 1 ? (short)error : (short)0 };
        foreach (var topic in request.TopicPartitions ?? [])
        {
            var entry = new ElectLeadersResponse.ReplicaElectionResult { Topic = topic.Topic };
            foreach (var partition in topic.Partitions)
                entry.PartitionResult.Add(new ElectLeadersResponse.PartitionResult { PartitionId = partition, ErrorCode = (short)error, ErrorMessage = null });
            response.ReplicaElectionResults.Add(entry);
        }
        return response;
    }
}
