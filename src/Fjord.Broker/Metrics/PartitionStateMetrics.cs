using System.Diagnostics.Metrics;
using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Storage;

namespace Fjord.Broker.Metrics;

/// <summary>
/// Observable gauges over the partitions this broker hosts, read at scrape time from the topic
/// catalogue and each log's <see cref="PartitionLogFigures"/> (lock-free reads): partition, leader,
/// under-replicated, under-min-ISR and offline counts (Kafka's ReplicaManager and controller gauges), open
/// transactions and the largest last-stable-offset lag over led partitions,
/// free space of the data dir, and — when <c>metrics.partition.level</c> is
/// true — size, segments, log start/end offset and high watermark per partition (Kafka's
/// <c>kafka.log:type=Log</c>).
/// <para>
/// Partitions the replica manager (<see cref="IPartitionReplication"/>, cluster mode) replicates count as led
/// only where this node is their leader, and are under-replicated (under min ISR) when the leader's committed
/// ISR is smaller than the replica set (<c>min.insync.replicas</c>); leaderless ones count as offline. Any other
/// partition (single node, or kept locally) is led by this node, which is its whole ISR. The controller
/// gauges live in <see cref="QuorumMetrics"/>.
/// </para>
/// Thread-safe: gauge callbacks run on the scrape thread; one snapshot serves every gauge of a scrape.
/// </summary>
public sealed class PartitionStateMetrics
{
    private static readonly TimeSpan s_snapshotLifetime = TimeSpan.FromMilliseconds(500);

    private readonly TopicRegistry _topics;
    private readonly IPartitionReplication? _replication;
    private readonly TimeProvider _time;
    private readonly string _dataDir;
    private readonly Lock _lock = new();
    private Snapshot? _snapshot;
    private long _snapshotTakenAt;

    public PartitionStateMetrics(BrokerMetrics metrics, TopicRegistry topics, BrokerConfig config, TimeProvider time, IPartitionReplication? replication = null)
    {
        _topics = topics;
        _replication = replication;
        _time = time;
        _dataDir = config.DataDir;
        var meter = metrics.Meter;

        meter.CreateObservableGauge("fjord_topics", () => Current().Topics, unit: "{topic}",
            description: "Topics in the catalogue, internal ones included.");
        meter.CreateObservableGauge("fjord_partitions", () => Current().Partitions, unit: "{partition}",
            description: "Partition replicas hosted by this broker (Kafka's ReplicaManager PartitionCount).");
        meter.CreateObservableGauge("fjord_leader_partitions", () => Current().Leaders, unit: "{partition}",
            description: "Partitions this broker leads (Kafka's LeaderCount).");
        meter.CreateObservableGauge("fjord_under_replicated_partitions", () => Current().UnderReplicated, unit: "{partition}",
            description: "Led partitions whose ISR is smaller than their replica set (Kafka's UnderReplicatedPartitions).");
        meter.CreateObservableGauge("fjord_under_min_isr_partitions", () => Current().UnderMinIsr, unit: "{partition}",
            description: "Led partitions whose ISR is smaller than min.insync.replicas: acks=all produce fails (Kafka's UnderMinIsrPartitionCount).");
        meter.CreateObservableGauge("fjord_offline_partitions", () => Current().Offline, unit: "{partition}",
            description: "Partitions without a leader or whose log dir failed (Kafka's OfflinePartitionsCount).");
        meter.CreateObservableGauge("fjord_ongoing_transactions", () => Current().OngoingTransactions, unit: "{transaction}",
            description: "Transactions open (data written, no COMMIT/ABORT marker yet) on the partitions this broker leads; a count that never falls back hints at a hanging transaction (`fjord transactions find-hanging`).");
        meter.CreateObservableGauge("fjord_last_stable_offset_lag_max", () => Current().LastStableOffsetLagMax, unit: "{offset}",
            description: "Largest high watermark minus last stable offset over the partitions this broker leads: how far read_committed consumers trail read_uncommitted ones.");
        meter.CreateObservableGauge("fjord_log_dir_total_bytes", () => LogDir(usable: false), unit: "By",
            description: "Size of the file system holding the data dir.");
        meter.CreateObservableGauge("fjord_log_dir_usable_bytes", () => LogDir(usable: true), unit: "By",
            description: "Bytes of the data dir's file system still available to the broker.");

        if (config.GetBool("metrics.partition.level"))
        {
            meter.CreateObservableGauge("fjord_log_size_bytes", () => PerPartition(f => f.SizeInBytes), unit: "By",
                description: "Bytes in the partition's log segments (Kafka's Log Size).");
            meter.CreateObservableGauge("fjord_log_segments", () => PerPartition(f => f.SegmentCount), unit: "{segment}",
                description: "Segments of the partition's log (Kafka's NumLogSegments).");
            meter.CreateObservableGauge("fjord_log_start_offset", () => PerPartition(f => f.LogStartOffset), unit: "{offset}",
                description: "First offset still in the partition's log (Kafka's LogStartOffset).");
            meter.CreateObservableGauge("fjord_log_end_offset", () => PerPartition(f => f.LogEndOffset), unit: "{offset}",
                description: "Offset the next appended record gets (Kafka's LogEndOffset).");
            meter.CreateObservableGauge("fjord_high_watermark", () => PerPartition(f => f.HighWatermark), unit: "{offset}",
                description: "Offset up to which records are committed and visible to consumers.");
        }
    }

    private IEnumerable<Measurement<long>> PerPartition(Func<PartitionLogFigures, long> value)
    {
        var figures = Current().Figures;
        var measurements = new Measurement<long>[figures.Count];
        for (var i = 0; i < figures.Count; i++)
        {
            var (figure, partitionLabel) = figures[i];
            measurements[i] = new Measurement<long>(value(figure),
                new KeyValuePair<string, object?>("topic", figure.TopicPartition.Topic),
                new KeyValuePair<string, object?>("partition", partitionLabel));
        }

        return measurements;
    }

    private IEnumerable<Measurement<long>> LogDir(bool usable)
    {
        try
        {
            var drive = new DriveInfo(_dataDir);
            return [new Measurement<long>(usable ? drive.AvailableFreeSpace : drive.TotalSize, new KeyValuePair<string, object?>("log_dir", _dataDir))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A failed data dir shows as a missing series, which the disk alert's absent() catches.
            return [];
        }
    }

    private Snapshot Current()
    {
        lock (_lock)
        {
            if (_snapshot is null || _time.GetElapsedTime(_snapshotTakenAt) > s_snapshotLifetime)
            {
                _snapshot = Take();
                _snapshotTakenAt = _time.GetTimestamp();
            }

            return _snapshot;
        }
    }

    private Snapshot Take()
    {
        int topicCount = 0, partitions = 0, leaders = 0, underReplicated = 0, underMinIsr = 0, offline = 0, ongoingTransactions = 0;
        long lastStableOffsetLagMax = 0;
        var figures = new List<(PartitionLogFigures, string)>();
        foreach (var topic in _topics.All)
        {
            topicCount++;
            for (var partition = 0; partition < topic.PartitionCount; partition++)
            {
                partitions++;
                if (!_topics.TryGetLog(topic.Name, partition, out var log))
                {
                    offline++;
                    continue;
                }

                var figure = log.GetFigures();
                figures.Add((figure, partition.ToString(CultureInfo.InvariantCulture)));
                if (figure.IsOffline)
                {
                    offline++;
                    continue;
                }

                var isrSize = 1;
                var replicaCount = (int)topic.ReplicationFactor;
                if (_replication?.StatusOf(figure.TopicPartition) is { } status)
                {
                    if (status.IsOffline) offline++;
                    if (!status.IsLeader) continue;
                    (isrSize, replicaCount) = (status.IsrSize, status.ReplicaCount);
                }

                leaders++;
                ongoingTransactions += log.OngoingTransactionCount;
                lastStableOffsetLagMax = Math.Max(lastStableOffsetLagMax, figure.HighWatermark - log.LastStableOffset);
                if (isrSize < replicaCount)
                {
                    underReplicated++;
                }

                // The log's own config is what produce enforces: topic override, else the dynamic
                // cluster default, else the static one.
                if (isrSize < log.Config.MinInSyncReplicas)
                {
                    underMinIsr++;
                }
            }
        }

        return new Snapshot(topicCount, partitions, leaders, underReplicated, underMinIsr, offline, ongoingTransactions, lastStableOffsetLagMax, figures);
    }

    private sealed record Snapshot(
        int Topics, int Partitions, int Leaders, int UnderReplicated, int UnderMinIsr, int Offline, int OngoingTransactions, long LastStableOffsetLagMax, List<(PartitionLogFigures Figure, string PartitionLabel)> Figures);
}
