using System.Buffers;
using System.Text;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>
/// A transactional producer that speaks transactions version 2 (KIP-890 part 2) request by request, in the order and at
/// the versions Kafka 4's Java client uses once ApiVersions shows <c>transaction.version</c> finalized at 2: no client on
/// this machine does (librdkafka and kafkajs stop at version 0, there is no Java). InitProducerId v5 to the coordinator,
/// Produce v12 transactional batches straight to each partition's leader (no AddPartitionsToTxn), TxnOffsetCommit v5 to
/// the group coordinator (no AddOffsetsToTxn), EndTxn v5, whose answer carries the epoch of the next transaction.
/// Retriable answers are retried until a deadline, as the client does. Not thread-safe.
/// </summary>
public sealed class TransactionVersion2Producer(Func<int, int> kafkaPortOf, int bootstrapNode, string transactionalId) : IDisposable
{
    public const short ProduceVersion = 12;
    public const short TxnOffsetCommitVersion = 5;
    public const short EndTxnVersion = 5;

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly Dictionary<int, RawKafkaConnection> _connections = [];
    private readonly Dictionary<(string Topic, int Partition), int> _sequences = [];

    public long ProducerId { get; private set; } = -1;

    public short ProducerEpoch { get; private set; } = -1;

    public int Coordinator { get; private set; } = -1;

    /// <summary>ApiVersions v3 of the bootstrap node: what makes a Java 4 client choose transactions version 2.</summary>
    public ApiVersionsResponse ApiVersions() =>
        Call<ApiVersionsResponse>(bootstrapNode, new ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3);

    /// <summary>FindCoordinator (key type 1) then InitProducerId v5 at the coordinator.</summary>
    public InitProducerIdResponse Init(int transactionTimeoutMs = 60_000)
    {
        Coordinator = FindCoordinator(keyType: 1, transactionalId);
        InitProducerIdResponse? response = null;
        Eventually.True(() => !IsRetriable((response = Call<InitProducerIdResponse>(Coordinator,
            new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = transactionTimeoutMs, ProducerId = -1, ProducerEpoch = -1 }, 5)).ErrorCode),
            s_deadline, () => $"InitProducerId kept answering {(ErrorCode)response!.ErrorCode}");
        if (response!.ErrorCode == 0) UseEpoch(response.ProducerId, response.ProducerEpoch);
        return response;
    }

    /// <summary>
    /// One Produce v12 of <paramref name="values"/> as one transactional batch to <paramref name="leader"/>; the error and
    /// base offset. <paramref name="epoch"/> overrides the producer's (a zombie's request); its batch then starts at sequence 0.
    /// </summary>
    public (ErrorCode Error, long BaseOffset) Produce(int leader, string topic, int partition, IReadOnlyList<string> values, short? epoch = null)
    {
        var sequence = epoch is null ? _sequences.GetValueOrDefault((topic, partition)) : 0;
        using var batch = new RecordBatchBuilder
        {
            ProducerId = ProducerId, ProducerEpoch = epoch ?? ProducerEpoch, BaseSequence = sequence, IsTransactional = true,
        };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var value in values) batch.Append(now, null, Encoding.UTF8.GetBytes(value));
        var request = new ProduceRequest
        {
            TransactionalId = transactionalId, Acks = -1, TimeoutMs = 30_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = new ReadOnlySequence<byte>(batch.ToArray()) }] }],
        };
        ProduceResponse.PartitionProduceResponse? answer = null;
        // Right after EndTxn the coordinator is still writing markers: the leader's add answers CONCURRENT_TRANSACTIONS,
        // which reaches the client as NOT_ENOUGH_REPLICAS, and the client resends the same batch.
        Eventually.True(() => !IsRetriable((answer = Call<ProduceResponse>(leader, request, ProduceVersion).Responses[0].PartitionResponses[0]).ErrorCode),
            s_deadline, () => $"Produce v12 to {topic}-{partition} at node {leader} kept answering {(ErrorCode)answer!.ErrorCode} {answer.ErrorMessage}");
        if (answer!.ErrorCode == 0 && epoch is null) _sequences[(topic, partition)] = sequence + values.Count;
        return ((ErrorCode)answer.ErrorCode, answer.BaseOffset);
    }

    /// <summary>TxnOffsetCommit v5 of one offset to the group's coordinator, as a standalone (KIP-447-less) commit.</summary>
    public ErrorCode CommitOffset(string groupId, string topic, int partition, long offset)
    {
        var groupCoordinator = FindCoordinator(keyType: 0, groupId);
        var request = new TxnOffsetCommitRequest
        {
            TransactionalId = transactionalId, GroupId = groupId, ProducerId = ProducerId, ProducerEpoch = ProducerEpoch,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
        };
        short error = 0;
        Eventually.True(() => !IsRetriable(error = Call<TxnOffsetCommitResponse>(groupCoordinator, request, TxnOffsetCommitVersion).Topics[0].Partitions[0].ErrorCode),
            s_deadline, () => $"TxnOffsetCommit v5 kept answering {(ErrorCode)error}");
        return (ErrorCode)error;
    }

    /// <summary>EndTxn v5; on success the producer continues with the id and epoch it returns.</summary>
    public EndTxnResponse End(bool commit, short? epoch = null)
    {
        EndTxnResponse? response = null;
        var request = new EndTxnRequest { TransactionalId = transactionalId, ProducerId = ProducerId, ProducerEpoch = epoch ?? ProducerEpoch, Committed = commit };
        Eventually.True(() => !IsRetriable((response = Call<EndTxnResponse>(Coordinator, request, EndTxnVersion)).ErrorCode),
            s_deadline, () => $"EndTxn v5 kept answering {(ErrorCode)response!.ErrorCode}");
        if (response!.ErrorCode == 0 && epoch is null) UseEpoch(response.ProducerId, response.ProducerEpoch);
        return response;
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values) connection.Dispose();
    }

    private void UseEpoch(long producerId, short producerEpoch)
    {
        // A new epoch (or producer id) starts every partition's sequence at 0 (KIP-890 part 2, as after any epoch bump).
        (ProducerId, ProducerEpoch) = (producerId, producerEpoch);
        _sequences.Clear();
    }

    private int FindCoordinator(sbyte keyType, string key)
    {
        FindCoordinatorResponse.Coordinator? found = null;
        Eventually.True(() => (found = Call<FindCoordinatorResponse>(bootstrapNode, new FindCoordinatorRequest { KeyType = keyType, CoordinatorKeys = [key] }, 4)
            .Coordinators[0]).ErrorCode == 0, s_deadline, () => $"FindCoordinator({keyType}, {key}) kept answering {(ErrorCode)found!.ErrorCode}");
        return found!.NodeId;
    }

    private static bool IsRetriable(short error) => (ErrorCode)error is ErrorCode.NotEnoughReplicas or ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut
        or ErrorCode.ConcurrentTransactions or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator or ErrorCode.CoordinatorLoadInProgress
        or ErrorCode.UnknownTopicOrPartition;

    private TResponse Call<TResponse>(int node, IRequestMessage request, short version)
        where TResponse : IResponseMessage, new()
    {
        if (!_connections.TryGetValue(node, out var connection)) _connections[node] = connection = new RawKafkaConnection(kafkaPortOf(node));
        var correlationId = connection.Send(request, version);
        return connection.Receive<TResponse>(request.ApiKey, version, correlationId);
    }
}
