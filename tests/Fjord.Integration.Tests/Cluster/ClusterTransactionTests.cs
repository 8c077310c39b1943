using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Integration.Tests.Transactions;
using Fjord.Protocol.Messages;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Transactions on a 3-node cluster of real processes: a transactional id whose coordinator (the leader of its
/// <c>__transaction_state</c> partition) is one node and whose two partitions are led by the other two, so the
/// AddPartitionsToTxn, the produce and the markers all cross brokers. Then SIGKILL of the coordinator mid-transaction
/// and of a partition leader after EndTxn and before its marker; read_committed must show every committed transaction
/// once and nothing of aborted ones.
/// </summary>
public sealed partial class ClusterTransactionTests(ITestOutputHelper output)
{
    /// <summary>Fast failure detection and a small <c>__transaction_state</c> replicated on all three nodes (the other transactional cluster tests use them too).</summary>
    internal static readonly string[] Settings =
    [
        "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500", "replica.lag.time.max.ms=4000",
        "transaction.state.log.num.partitions=6", "transaction.state.log.replication.factor=3",
    ];

    [Fact]
    public async Task CoordinatorKilledAfterProduceBeforeCommit_CommitOrReInitAndRetry_ReadCommittedHasEachCommittedTransactionOnce()
    {
        using var cluster = ClusterProcess.Start(3, Settings);
        var layout = Arrange(cluster, "txn-coord-kill");
        var expected = new List<string>();
        var unknown = new List<string[]>();
        var aborted = new List<string[]>();

        var producer = TransactionClients.TransactionalProducer(cluster.BootstrapServers, layout.TransactionalId);
        try
        {
            producer.InitTransactions(TransactionClients.Timeout);
            // Across leaders while every node is up: one commit, one abort.
            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, TransactionClients.Values("first", 20));
            producer.CommitTransaction(TransactionClients.Timeout);
            expected.AddRange(TransactionClients.Values("first", 20));
            aborted.Add(TransactionClients.Values("aborted", 20));
            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, aborted[0]);
            producer.AbortTransaction(TransactionClients.Timeout);

            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, TransactionClients.Values("killed-1", 20));
            output.WriteLine($"killing node {layout.Coordinator}, the coordinator of {layout.TransactionalId}, with the transaction open");
            cluster.Nodes[layout.Coordinator].Kill();
            (producer, var committed) = await CommitWithRecoveryAsync(producer, cluster.BootstrapServers, layout, "killed", unknown, aborted);
            expected.AddRange(committed);

            // The coordinator that took over keeps serving the transactional id.
            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, TransactionClients.Values("after", 20));
            producer.CommitTransaction(TransactionClients.Timeout);
            expected.AddRange(TransactionClients.Values("after", 20));
        }
        finally
        {
            producer.Dispose();
        }

        AssertReadCommitted(cluster, layout, expected, unknown, aborted);
    }

    [Fact]
    public async Task PartitionLeaderKilledAfterEndTxnBeforeItsMarker_MarkerReachesTheNewLeader_ReadCommittedHasTheTransactionOnce()
    {
        using var cluster = ClusterProcess.Start(3, Settings);
        var layout = Arrange(cluster, "txn-leader-kill");
        var expected = new List<string>();
        var unknown = new List<string[]>();
        var aborted = new List<string[]>();
        var victim = cluster.Nodes[layout.Leaders[1]];

        var producer = TransactionClients.TransactionalProducer(cluster.BootstrapServers, layout.TransactionalId);
        try
        {
            producer.InitTransactions(TransactionClients.Timeout);
            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, TransactionClients.Values("killed-1", 20));
            // Stopped before EndTxn, the leader of the second partition cannot take the commit marker the coordinator
            // sends once EndTxn is decided; it is killed while that marker is outstanding.
            output.WriteLine($"stopping node {victim.Id}, leader of partition {layout.Partitions[1]}, before EndTxn");
            BrokerProcess.Signal(victim.ProcessId, "STOP");
            try
            {
                (producer, var committed) = await CommitWithRecoveryAsync(producer, cluster.BootstrapServers, layout, "killed", unknown, aborted);
                expected.AddRange(committed);
            }
            finally
            {
                output.WriteLine($"killing node {victim.Id}");
                victim.Kill();
            }

            await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, TransactionClients.Values("after", 20));
            producer.CommitTransaction(TransactionClients.Timeout);
            expected.AddRange(TransactionClients.Values("after", 20));
        }
        finally
        {
            producer.Dispose();
        }

        var leaders = ClusterClient.Leaders(cluster.BootstrapServersExcept(victim.Id), layout.Topic);
        output.WriteLine($"partition {layout.Partitions[1]} now led by node {leaders?.GetValueOrDefault(layout.Partitions[1])}");
        AssertReadCommitted(cluster, layout, expected, unknown, aborted);
    }

    /// <summary>The topic, the transactional id, its coordinator node and the two partitions (led by the two other nodes).</summary>
    private sealed record Layout(string Topic, string TransactionalId, int Coordinator, int[] Partitions, int[] Leaders);

    /// <summary>
    /// Creates a 6-partition RF=3 topic and picks a transactional id whose coordinator leads neither of two partitions
    /// led by the two other nodes.
    /// </summary>
    private Layout Arrange(ClusterProcess cluster, string prefix)
    {
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { Brokers: [0, 1, 2], ControllerId: not null }, TimeSpan.FromSeconds(60),
            () => $"three unfenced brokers and a controller\n{cluster.Output}");
        var topic = TestTopics.Unique(prefix);
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 6, 3, TimeSpan.FromSeconds(30));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 6 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(30), () => $"6 partitions with leaders\n{cluster.Output}");

        var ids = Enumerable.Range(0, 30).Select(i => $"{prefix}-{i}").ToArray();
        List<FindCoordinatorResponse.Coordinator>? coordinators = null;
        // __transaction_state is created by the first FindCoordinator for a transactional id.
        Eventually.True(() => (coordinators = FindTransactionCoordinators(cluster.Nodes[0].KafkaPort, ids)).All(c => c.ErrorCode == 0),
            TimeSpan.FromSeconds(60), () => $"transaction coordinators for {ids.Length} ids; last errors {string.Join(',', coordinators?.Select(c => c.ErrorCode) ?? [])}\n{cluster.Output}");
        foreach (var coordinator in coordinators!)
        {
            var others = cluster.Nodes.Select(n => n.Id).Where(id => id != coordinator.NodeId).ToArray();
            var partitions = others.Select(o => leaders!.Where(p => p.Value == o).Select(p => p.Key).DefaultIfEmpty(-1).First()).ToArray();
            if (partitions.All(p => p >= 0))
            {
                output.WriteLine($"transactional id {coordinator.Key}: coordinator node {coordinator.NodeId}; partitions {partitions[0]} (leader {others[0]}) and {partitions[1]} (leader {others[1]})");
                return new Layout(topic, coordinator.Key, coordinator.NodeId, partitions, others);
            }
        }

        throw new InvalidOperationException($"no transactional id whose coordinator differs from two partition leaders; leaders {string.Join(',', leaders!.Select(p => $"{p.Key}:{p.Value}"))}");
    }

    internal static List<FindCoordinatorResponse.Coordinator> FindTransactionCoordinators(int kafkaPort, string[] transactionalIds)
    {
        using var connection = new RawKafkaConnection(kafkaPort);
        var request = new FindCoordinatorRequest { KeyType = 1, CoordinatorKeys = [.. transactionalIds] };
        var correlationId = connection.Send(request, 4);
        return connection.Receive<FindCoordinatorResponse>(request.ApiKey, 4, correlationId).Coordinators;
    }

    /// <summary>
    /// Commits the open transaction (values <c>{prefix}-1-*</c>). A commit that fails is handled as the client's contract
    /// says: abortable → abort; retriable → commit once more; otherwise → a new producer re-initialises (which completes
    /// or aborts what the old one left). Then the values are sent again as attempt 2, 3…. Returns the producer to go on
    /// with and the values whose commit was acknowledged; aborted attempts go to <paramref name="aborted"/>, attempts whose
    /// outcome nobody learned to <paramref name="unknown"/>.
    /// </summary>
    private async Task<(IProducer<string, string> Producer, string[] Committed)> CommitWithRecoveryAsync(
        IProducer<string, string> producer, string bootstrapServers, Layout layout, string prefix, List<string[]> unknown, List<string[]> aborted)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var values = TransactionClients.Values($"{prefix}-{attempt}", 20);
            if (attempt > 1) await TransactionClients.SendInTransactionAsync(producer, layout.Topic, layout.Partitions, values);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var call = 1; ; call++)
            {
                try
                {
                    producer.CommitTransaction(TransactionClients.Timeout);
                    output.WriteLine($"attempt {attempt}: committed after {clock.ElapsedMilliseconds} ms ({call} call(s))");
                    return (producer, values);
                }
                catch (KafkaException e)
                {
                    var kind = e switch { KafkaTxnRequiresAbortException => "abortable", KafkaRetriableException => "retriable", _ => $"fatal={e.Error.IsFatal}" };
                    output.WriteLine($"attempt {attempt}, call {call}: commit failed after {clock.ElapsedMilliseconds} ms, {kind}: {e.Error.Code} {e.Error.Reason}");
                    if (e is KafkaRetriableException && call == 1) continue;
                    if (e is KafkaTxnRequiresAbortException)
                    {
                        producer.AbortTransaction(TransactionClients.Timeout);
                        aborted.Add(values);
                    }
                    else
                    {
                        unknown.Add(values);
                        producer = Reinitialised(producer, bootstrapServers, layout.TransactionalId);
                    }

                    break;
                }
            }
        }

        throw new InvalidOperationException("five commit attempts failed");
    }

    private static IProducer<string, string> Reinitialised(IProducer<string, string> old, string bootstrapServers, string transactionalId)
    {
        old.Dispose();
        var producer = TransactionClients.TransactionalProducer(bootstrapServers, transactionalId);
        producer.InitTransactions(TransactionClients.Timeout);
        return producer;
    }

    /// <summary>
    /// read_committed over both partitions from the surviving nodes: every acknowledged transaction exactly once, each
    /// transaction of unknown outcome whole or not at all, nothing of an aborted one.
    /// </summary>
    private void AssertReadCommitted(ClusterProcess cluster, Layout layout, List<string> expected, List<string[]> unknown, List<string[]> aborted)
    {
        var read = TransactionClients.ReadValues(cluster.BootstrapServers, layout.Partitions.Select(p => new TopicPartition(layout.Topic, p)), IsolationLevel.ReadCommitted, expected.Count);
        output.WriteLine($"read_committed: {read.Count} records; expected {expected.Count} acknowledged, {unknown.Count} transaction(s) of unknown outcome");
        var duplicates = read.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"read twice: {string.Join(',', duplicates)}");
        var missing = expected.Except(read).ToList();
        Assert.True(missing.Count == 0, $"committed but not read: {string.Join(',', missing)}\n{cluster.Output}");
        foreach (var values in aborted) Assert.Empty(values.Intersect(read));
        foreach (var values in unknown)
        {
            var seen = values.Intersect(read).Count();
            Assert.True(seen == 0 || seen == values.Length, $"a transaction of unknown outcome is partly visible: {seen} of {values.Length} ({values[0]}…)");
        }

        var extra = read.Except(expected).Except(unknown.SelectMany(v => v)).ToList();
        Assert.True(extra.Count == 0, $"read but never committed: {string.Join(',', extra)}");
    }
}
