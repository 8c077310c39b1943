using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ElectLeaders, versions 0-2 (KIP-183 preferred, KIP-460 unclean from v1), single-node mode: the one
/// replica of every partition is its leader already, so each existing partition answers ELECTION_NOT_NEEDED
/// and anything else UNKNOWN_TOPIC_OR_PARTITION. A null partition list means every partition, and then (as
/// Kafka's controller does) partitions that needed no election are left out of the answer. An election type
/// other than 0 or 1 gets INVALID_REQUEST. Cluster mode serves <see cref="Cluster.ClusterElectLeadersHandler"/>.
/// </summary>
public sealed class ElectLeadersHandler(TopicRegistry topics) : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    public override ApiKey ApiKey => ApiKey.ElectLeaders;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ElectLeadersRequest request)
    {
        if (!TryElectionType(request, out _)) return new(Failed(request, ErrorCode.InvalidRequest, context.ApiVersion));
        var results = new List<ElectLeadersResult>();
        foreach (var tp in PartitionsOf(request) ?? [])
        {
            var exists = topics.TryGet(tp.Topic, out var topic) && tp.Partition >= 0 && tp.Partition < topic.PartitionCount;
            results.Add(exists
                ? new ElectLeadersResult(tp.Topic, tp.Partition, ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.")
                : new ElectLeadersResult(tp.Topic, tp.Partition, ErrorCode.UnknownTopicOrPartition, "The partition does not exist."));
        }
        return new(ToResponse(results));
    }

    /// <summary>The request's election type (always preferred before v1); false for an unknown type.</summary>
    internal static bool TryElectionType(ElectLeadersRequest request, out ElectionType type)
    {
        type = (ElectionType)request.ElectionType;
        return request.ElectionType is 0 or 1;
    }

    /// <summary>The partitions named, each once; null when the request means every partition.</summary>
    internal static IReadOnlyList<TopicPartitionName>? PartitionsOf(ElectLeadersRequest request) =>
        request.TopicPartitions?.SelectMany(t => t.Partitions.Select(p => new TopicPartitionName(t.Topic, p))).Distinct().ToList();

    /// <summary>Kafka's response shape: results grouped by topic, a null message where there is no error.</summary>
    internal static ElectLeadersResponse ToResponse(IEnumerable<ElectLeadersResult> results)
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
    internal static ElectLeadersResponse Failed(ElectLeadersRequest request, ErrorCode error, short version)
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

    protected override ElectLeadersResponse ErrorResponse(ElectLeadersRequest request, ErrorCode error) =>
        Failed(request, error, request.TopicPartitions is null ? (short)1 : (short)0);
}
