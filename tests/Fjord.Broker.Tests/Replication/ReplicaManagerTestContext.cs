using Fjord.Broker.Fetch;
using Fjord.Broker.Metrics;
using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Metadata.Records;
using Fjord.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Replication;

/// <summary>
/// <see cref="ReplicaManager"/>s over one temp-dir <see cref="LogManager"/> and a fake clock, each handed an image in
/// which broker 0 leads partition t-0 with replicas [0, 1, 2]. There is no controller (an ISR change would fail; these
/// tests never send one). Disposes the managers and the directory. Not thread-safe.
/// </summary>
internal sealed class ReplicaManagerTestContext : IDisposable
{
    public static readonly TopicPartition Partition = new("t", 0);
    private static readonly Guid TopicId = Guid.NewGuid();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-replica-manager-" + Guid.NewGuid().ToString("N"));
    private readonly List<ReplicaManager> _managers = [];

    public ReplicaManagerTestContext() => Logs = new LogManager(_dir, LogConfig.Default);

    public FakeTimeProvider Time { get; } = new();

    public LogManager Logs { get; }

    public PartitionLog Log => Logs.GetOrCreateLog(Partition);

    public ReplicationQuota Quota(long rate) => new(rate, 11, TimeSpan.FromSeconds(1), Time);

    /// <summary>
    /// Node <paramref name="nodeId"/>'s manager after it applied t-0 with <paramref name="isr"/> and any
    /// <paramref name="brokers"/> registrations (without them no fetcher connects anywhere).
    /// </summary>
    public ReplicaManager Manager(int nodeId, ReplicationQuotas quotas, bool rackAwareReplicaSelector, int[] isr, IEnumerable<MetadataRecord>? brokers = null)
    {
        var alterPartition = new AlterPartitionManager(nodeId, new Lazy<ControllerChannels>(() => throw new InvalidOperationException("no controller in this test")),
            new Lazy<ControllerHost>(() => throw new InvalidOperationException("no controller in this test")), new LocalBrokerRegistration(),
            NullLogger<AlterPartitionManager>.Instance);
        var manager = new ReplicaManager(nodeId, Logs, new PartitionAppendNotifier(), new BrokerMetrics(), alterPartition, TimeSpan.FromSeconds(30),
            quotas, rackAwareReplicaSelector, Time, NullLoggerFactory.Instance);
        _managers.Add(manager);
        List<MetadataRecord> records = [.. brokers ?? []];
        records.Add(new MetadataRecord { Topic = new TopicRecord { Name = Partition.Topic, TopicId = Uuids.ToByteString(TopicId) } });
        records.Add(new MetadataRecord
        {
            Partition = new PartitionRecord
            {
                TopicId = Uuids.ToByteString(TopicId),
                PartitionId = 0,
                Replicas = { 0, 1, 2 },
                Isr = { isr },
                Leader = 0,
                LeaderEpoch = 1,
                PartitionEpoch = 1,
            },
        });
        manager.Publish(MetadataImage.FromRecords(records, 1), null);
        return manager;
    }

    public void Dispose()
    {
        foreach (var manager in _managers) manager.Dispose();
        Logs.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
