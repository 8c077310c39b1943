using Fjord.Broker.Topics;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Storage;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Groups;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Publishers;

/// <summary>
/// The broker side of the metadata log (Kafka's BrokerMetadataPublisher → ReplicaManager.applyDelta):
/// for each committed delta it opens the logs of partitions this node now leads or follows
/// (<see cref="MetadataDelta.LocalChanges"/>) with the topic's configs from the image, deletes the logs of
/// removed topics, pushes changed configs into open logs (a topic's own, or — for every local log — the cluster
/// default and this node's dynamic broker configs, with <see cref="ClusterConfigResolver"/>'s precedence), and refreshes <see cref="TopicRegistry"/>'s
/// view of the image's topics so Produce/Fetch/ListOffsets know them. After a snapshot load (no delta) it
/// opens every local replica. It also deletes the log of a partition a reassignment moved away from this node.
/// Replication runs in <see cref="Replication.ReplicaManager"/>, published after this. Not yet: removing orphan
/// logs (topics deleted or replicas moved away while the node was down and the log was snapshotted past it).
/// Called only on the metadata log's apply loop (<see cref="IMetadataPublisher"/>).
/// </summary>
public sealed partial class BrokerMetadataPublisher(
    int nodeId, LogManager logs, TopicRegistry topics, ClusterConfigResolver configResolver, ILogger<BrokerMetadataPublisher> logger) : IMetadataPublisher
{
    public void Publish(MetadataImage image, MetadataDelta? delta)
    {
        try
        {
            if (delta is null) OpenAllLocalReplicas(image);
            else Apply(image, delta);
        }
        catch (Exception e)
        {
            // The apply loop must keep going; a failed log open shows up as UNKNOWN_TOPIC_OR_PARTITION.
            PublisherLog.ApplyFailed(logger, image.Offset, e);
        }
    }

    private void OpenAllLocalReplicas(MetadataImage image)
    {
        foreach (var topic in image.TopicsById.Values)
        {
            var config = LogConfigOf(image, topic.Name);
            foreach (var (index, partition) in topic.Partitions)
                if (partition.Replicas.Contains(nodeId)) logs.GetOrCreateLog(new TopicPartition(topic.Name, index), config);
        }
        topics.Replace(TopicsOf(image));
    }

    private void Apply(MetadataImage image, MetadataDelta delta)
    {
        var topicsChanged = delta.DeletedTopics.Count > 0 || delta.ChangedPartitions.Count > 0;
        foreach (var (_, deleted) in delta.DeletedTopics)
        {
            if (image.GetTopic(deleted.Name) is not null && image.GetTopic(deleted.Name)!.Id != deleted.Id)
            {
                // Deleted and recreated in one batch: the old logs go, the new ones are opened below.
                logs.DeleteLogs(deleted.Name);
            }
            else if (image.GetTopic(deleted.Name) is null)
            {
                var count = logs.DeleteLogs(deleted.Name);
                if (count > 0) PublisherLog.DeletedLogs(logger, deleted.Name, count);
            }
        }

        var changes = delta.LocalChanges(nodeId);
        DeleteReassignedAway(image, changes.Deletes);
        OpenLogs(image, changes.Leaders);
        OpenLogs(image, changes.Followers);
        if (changes.Leaders.Count + changes.Followers.Count > 0)
            PublisherLog.Applied(logger, image.Offset, changes.Leaders.Count, changes.Followers.Count);

        var changedTopics = new HashSet<string>(StringComparer.Ordinal);
        var brokerDefaultsChanged = false;
        foreach (var resource in delta.ChangedConfigs)
        {
            if (configResolver.AffectsThisNode(resource)) brokerDefaultsChanged = true;
            else if (resource.Type == Metadata.Records.ConfigResourceType.ConfigResourceTopic && image.GetTopic(resource.Name) is not null) changedTopics.Add(resource.Name);
        }
        if (changedTopics.Count > 0) topicsChanged = true;
        // A dynamic broker default (log.retention.ms, min.insync.replicas, ...) reaches every topic without its own override.
        foreach (var topic in image.TopicsById.Values)
        {
            if (!brokerDefaultsChanged && !changedTopics.Contains(topic.Name)) continue;
            var config = LogConfigOf(image, topic.Name);
            var updated = 0;
            foreach (var index in topic.Partitions.Keys)
            {
                if (!logs.TryGetLog(new TopicPartition(topic.Name, index), out var log)) continue;
                log.UpdateConfig(config);
                updated++;
            }
            if (updated > 0) PublisherLog.ConfigApplied(logger, topic.Name, updated, image.Offset);
        }

        if (topicsChanged) topics.Replace(TopicsOf(image));
    }

    /// <summary>
    /// Deletes the logs of partitions a completed (or cancelled) reassignment removed this node from; the topic still
    /// exists (deleted topics went above). <see cref="Replication.ReplicaManager"/>, published next, stops fetching
    /// them; a fetch in flight meanwhile finds the log closed, fails, and is not retried for a partition no longer followed.
    /// </summary>
    private void DeleteReassignedAway(MetadataImage image, IReadOnlyList<TopicIdPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            if (image.GetTopic(tp.TopicId) is not { } topic) continue;
            if (logs.DeleteLog(new TopicPartition(topic.Name, tp.Partition))) PublisherLog.DeletedReplica(logger, topic.Name, tp.Partition);
        }
    }

    private void OpenLogs(MetadataImage image, IReadOnlyList<TopicIdPartition> partitions)
    {
        string? lastTopic = null;
        LogConfig? config = null;
        foreach (var tp in partitions)
        {
            if (image.GetTopic(tp.TopicId) is not { } topic) continue;
            if (topic.Name != lastTopic) (lastTopic, config) = (topic.Name, LogConfigOf(image, topic.Name));
            logs.GetOrCreateLog(new TopicPartition(topic.Name, tp.Partition), config);
        }
    }

    private LogConfig LogConfigOf(MetadataImage image, string topic) =>
        LogConfig.FromProperties(configResolver.EffectiveTopicProperties(image, topic));

    private static IReadOnlyDictionary<string, string> OverridesOf(MetadataImage image, string topic) =>
        image.Configs.TryGetValue(ConfigResource.Topic(topic), out var configs)
            ? configs.ToDictionary(StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The image's topics in the catalogue's shape (the registry serves names, ids, counts and overrides from it).</summary>
    private static List<TopicMetadata> TopicsOf(MetadataImage image)
    {
        var list = new List<TopicMetadata>(image.TopicsById.Count);
        foreach (var topic in image.TopicsById.Values)
        {
            var replicationFactor = topic.Partitions.IsEmpty ? (short)0 : (short)topic.Partitions.Values.First().Replicas.Length;
            list.Add(new TopicMetadata(topic.Name, TopicIds.ToUuid(topic.Id), topic.Partitions.Count, replicationFactor,
                OverridesOf(image, topic.Name), topic.Name.StartsWith("__", StringComparison.Ordinal)));
        }
        return list;
    }

    private static partial class PublisherLog
    {
        [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "Metadata offset {Offset}: leading {Leaders} and following {Followers} changed partition(s)")]
        public static partial void Applied(ILogger logger, ulong offset, int leaders, int followers);

        [LoggerMessage(EventId = 6021, Level = LogLevel.Information, Message = "Deleted {Count} log(s) of removed topic {Topic}")]
        public static partial void DeletedLogs(ILogger logger, string topic, int count);

        [LoggerMessage(EventId = 6023, Level = LogLevel.Information, Message = "Deleted the log of {Topic}-{Partition}: this node is no longer one of its replicas")]
        public static partial void DeletedReplica(ILogger logger, string topic, int partition);

        [LoggerMessage(EventId = 6022, Level = LogLevel.Error, Message = "Applying metadata at offset {Offset} to the local logs failed")]
        public static partial void ApplyFailed(ILogger logger, ulong offset, Exception exception);

        [LoggerMessage(EventId = 6024, Level = LogLevel.Information, Message = "Applied the configs of topic {Topic} at metadata offset {Offset} to {Count} local log(s)")]
        public static partial void ConfigApplied(ILogger logger, string topic, int count, ulong offset);
    }
}
