using Fjord.Cli.Commands;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Transactions;

/// <summary>
/// The transaction admin requests of kafka-transactions.sh (KIP-664), each sent to the node that can answer it, as
/// Kafka's admin client routes them: ListTransactions to every broker, DescribeTransactions to the transactional id's
/// coordinator (FindCoordinator key type 1), DescribeProducers and WriteTxnMarkers to the partition leader.
/// Confluent.Kafka 2.16 has none of these calls, so they go raw through <see cref="KafkaRequestClient"/>.
/// Cold path; one per command run; not thread-safe.
/// </summary>
public sealed class TransactionAdmin(CliContext context, TimeProvider time)
{
    private const sbyte TransactionCoordinatorKeyType = 1;
    private static readonly TimeSpan s_retryBackoff = TimeSpan.FromMilliseconds(200);
    private MetadataResponse? _cluster;

    /// <summary>Brokers and (all or the named) topics with their partition leaders, from the bootstrap server.</summary>
    public async Task<MetadataResponse> MetadataAsync(IReadOnlyList<string>? topics = null)
    {
        using var client = await KafkaRequestClient.ConnectAsync(context);
        var request = new MetadataRequest
        {
            Topics = topics is null ? null : [.. topics.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t })],
            AllowAutoTopicCreation = false,
        };
        var response = await client.SendAsync<MetadataResponse>(request, "Metadata");
        if (topics is null) _cluster = response;
        return response;
    }

    /// <summary>ListTransactions on every broker, merged: (coordinator id, transaction) pairs.</summary>
    public async Task<List<(int Coordinator, ListTransactionsResponse.TransactionStateData Transaction)>> ListAsync(IReadOnlyList<long>? producerIds = null)
    {
        var cluster = _cluster ?? await MetadataAsync();
        var listed = new List<(int, ListTransactionsResponse.TransactionStateData)>();
        foreach (var broker in cluster.Brokers.OrderBy(b => b.NodeId))
        {
            using var client = await KafkaRequestClient.ConnectToAsync(context, broker.Host, broker.Port);
            var response = await client.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { ProducerIdFilters = [.. producerIds ?? []] }, "ListTransactions");
            ClusterCommand.FailOnError(response.ErrorCode, null, $"broker {broker.NodeId}: ");
            listed.AddRange(response.TransactionStates.Select(t => (broker.NodeId, t)));
        }

        return listed;
    }

    /// <summary>
    /// DescribeTransactions at the coordinator of <paramref name="transactionalId"/>; the coordinator's id and the
    /// transaction, or the coordinator's error (TRANSACTIONAL_ID_NOT_FOUND …) as exit code 1.
    /// </summary>
    public async Task<(int Coordinator, DescribeTransactionsResponse.TransactionStateData Transaction)> DescribeAsync(string transactionalId)
    {
        var deadline = time.GetUtcNow() + context.Timeout;
        while (true)
        {
            var coordinator = await FindCoordinatorAsync(transactionalId, deadline);
            using var client = await KafkaRequestClient.ConnectToAsync(context, coordinator.Host, coordinator.Port);
            var response = await client.SendAsync<DescribeTransactionsResponse>(new DescribeTransactionsRequest { TransactionalIds = [transactionalId] }, "DescribeTransactions");
            var described = response.TransactionStates.SingleOrDefault()
                ?? throw CliException.Broker($"the coordinator answered without a result for transactional id '{transactionalId}'");
            if (((ErrorCode)described.ErrorCode).IsRetriable() && time.GetUtcNow() < deadline)
            {
                // The coordinator moved or is still loading __transaction_state: ask again, as Kafka's admin client does.
                await Task.Delay(s_retryBackoff, time);
                continue;
            }

            ClusterCommand.FailOnError(described.ErrorCode, null, $"transactional id '{transactionalId}': ");
            return (coordinator.NodeId, described);
        }
    }

    /// <summary>DescribeProducers at the leader of the partition; its error (NOT_LEADER_OR_FOLLOWER …) as exit code 1.</summary>
    public async Task<DescribeProducersResponse.PartitionResponse> DescribeProducersAsync(string topic, int partition)
    {
        var (host, port) = await LeaderAsync(topic, partition);
        using var client = await KafkaRequestClient.ConnectToAsync(context, host, port);
        var request = new DescribeProducersRequest { Topics = [new() { Name = topic, PartitionIndexes = [partition] }] };
        var response = await client.SendAsync<DescribeProducersResponse>(request, "DescribeProducers");
        var result = response.Topics.SelectMany(t => t.Partitions).SingleOrDefault()
            ?? throw CliException.Broker($"the leader answered without a result for {topic}-{partition}");
        ClusterCommand.FailOnError(result.ErrorCode, result.ErrorMessage, $"{topic}-{partition}: ");
        return result;
    }

    /// <summary>
    /// DescribeProducers for many partitions, one request per leader (find-hanging over a broker's hundreds of
    /// partitions); any partition's error fails the command with exit code 1.
    /// </summary>
    public async Task<List<(string Topic, int Partition, DescribeProducersResponse.PartitionResponse Producers)>> DescribeProducersAsync(
        MetadataResponse metadata, IReadOnlyList<(string Topic, int Partition, int Leader)> partitions)
    {
        var described = new List<(string, int, DescribeProducersResponse.PartitionResponse)>();
        foreach (var byLeader in partitions.GroupBy(p => p.Leader))
        {
            var leader = metadata.Brokers.SingleOrDefault(b => b.NodeId == byLeader.Key)
                ?? throw CliException.Broker($"{byLeader.First().Topic}-{byLeader.First().Partition} has no leader (LEADER_NOT_AVAILABLE)");
            using var client = await KafkaRequestClient.ConnectToAsync(context, leader.Host, leader.Port);
            var request = new DescribeProducersRequest
            {
                Topics = [.. byLeader.GroupBy(p => p.Topic).Select(t => new DescribeProducersRequest.TopicRequest { Name = t.Key, PartitionIndexes = [.. t.Select(p => p.Partition)] })],
            };
            var response = await client.SendAsync<DescribeProducersResponse>(request, "DescribeProducers");
            foreach (var topic in response.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    ClusterCommand.FailOnError(partition.ErrorCode, partition.ErrorMessage, $"{topic.Name}-{partition.PartitionIndex}: ");
                    described.Add((topic.Name, partition.PartitionIndex, partition));
                }
            }
        }

        return described;
    }

    /// <summary>
    /// Writes an ABORT marker for the producer's open transaction on the partition through its leader — what the
    /// coordinator would have done, as kafka-transactions.sh abort does for a hanging transaction.
    /// </summary>
    public async Task AbortAsync(string topic, int partition, long producerId, short producerEpoch, int coordinatorEpoch)
    {
        var (host, port) = await LeaderAsync(topic, partition);
        using var client = await KafkaRequestClient.ConnectToAsync(context, host, port);
        var request = new WriteTxnMarkersRequest
        {
            Markers =
            [
                new()
                {
                    ProducerId = producerId,
                    ProducerEpoch = producerEpoch,
                    TransactionResult = false,
                    CoordinatorEpoch = coordinatorEpoch,
                    Topics = [new() { Name = topic, PartitionIndexes = [partition] }],
                },
            ],
        };
        var response = await client.SendAsync<WriteTxnMarkersResponse>(request, "WriteTxnMarkers");
        var result = response.Markers.SelectMany(m => m.Topics).SelectMany(t => t.Partitions).SingleOrDefault()
            ?? throw CliException.Broker($"the leader answered without a result for {topic}-{partition}");
        ClusterCommand.FailOnError(result.ErrorCode, null, $"{topic}-{partition}: ");
    }

    private async Task<FindCoordinatorResponse.Coordinator> FindCoordinatorAsync(string transactionalId, DateTimeOffset deadline)
    {
        using var client = await KafkaRequestClient.ConnectAsync(context);
        while (true)
        {
            // v1-3 carry one key and answer at the top level, v4+ (KIP-699) a list of keys and a list of answers.
            var response = await client.SendAsync<FindCoordinatorResponse>((short)ApiKey.FindCoordinator, version => version >= 4
                ? new FindCoordinatorRequest { KeyType = TransactionCoordinatorKeyType, CoordinatorKeys = [transactionalId] }
                : new FindCoordinatorRequest { Key = transactionalId, KeyType = TransactionCoordinatorKeyType }, "FindCoordinator");
            var coordinator = response.Coordinators.FirstOrDefault() ?? new FindCoordinatorResponse.Coordinator
            {
                Key = transactionalId, NodeId = response.NodeId, Host = response.Host, Port = response.Port,
                ErrorCode = response.ErrorCode, ErrorMessage = response.ErrorMessage,
            };
            if (coordinator.ErrorCode == 0) return coordinator;
            if (!((ErrorCode)coordinator.ErrorCode).IsRetriable() || time.GetUtcNow() >= deadline)
            {
                ClusterCommand.FailOnError(coordinator.ErrorCode, coordinator.ErrorMessage, $"transaction coordinator of '{transactionalId}': ");
            }

            await Task.Delay(s_retryBackoff, time);
        }
    }

    private async Task<(string Host, int Port)> LeaderAsync(string topic, int partition)
    {
        var metadata = await MetadataAsync([topic]);
        var described = metadata.Topics.SingleOrDefault(t => t.Name == topic) ?? throw CliException.Broker($"unknown topic '{topic}'");
        ClusterCommand.FailOnError(described.ErrorCode, null, $"topic '{topic}': ");
        var state = described.Partitions.SingleOrDefault(p => p.PartitionIndex == partition)
            ?? throw CliException.Broker($"topic '{topic}' has no partition {partition} (UNKNOWN_TOPIC_OR_PARTITION)");
        ClusterCommand.FailOnError(state.ErrorCode, null, $"{topic}-{partition}: ");
        var leader = metadata.Brokers.SingleOrDefault(b => b.NodeId == state.LeaderId)
            ?? throw CliException.Broker($"{topic}-{partition} has no leader (LEADER_NOT_AVAILABLE)");
        return (leader.Host, leader.Port);
    }
}
