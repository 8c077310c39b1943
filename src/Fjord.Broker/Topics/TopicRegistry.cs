using System.Collections.Frozen;
using Fjord.Broker.Configuration;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Topics;

/// <summary>
/// The single node's topic catalogue: creates, alters and deletes topics, keeps the catalogue on
/// disk through <see cref="TopicStore"/> and the partition logs in step through <see cref="LogManager"/>.
/// Thread-safe: commands serialise on one lock; lookups read an immutable snapshot without locking,
/// so the produce and fetch paths never wait for an admin command.
/// </summary>
public sealed partial class TopicRegistry
{
    private readonly object _commandLock = new();
    private readonly BrokerConfig _brokerConfig;
    private readonly TopicStore _store;
    private readonly LogManager _logs;
    private readonly TopicConfigResolver _configResolver;
    private readonly ILogger<TopicRegistry> _logger;
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private FrozenDictionary<string, TopicMetadata> _clusterTopics = FrozenDictionary<string, TopicMetadata>.Empty;
    private List<TopicMetadata> _storedTopics = [];

    public TopicRegistry(BrokerConfig brokerConfig, TopicStore store, LogManager logs, TopicConfigResolver configResolver, ILogger<TopicRegistry> logger)
    {
        _brokerConfig = brokerConfig;
        _store = store;
        _logs = logs;
        _configResolver = configResolver;
        _logger = logger;
    }

    /// <summary>Reads the stored catalogue and opens (or creates) every partition's log. Called once at startup.</summary>
    public void Load()
    {
        lock (_commandLock)
        {
            var topics = _store.Load();
            foreach (var topic in topics)
            {
                OpenLogs(topic, 0);
            }

            Publish([.. topics]);
            LogLoaded(topics.Count);
        }
    }

    public IReadOnlyCollection<TopicMetadata> All => _snapshot.ByName.Values;

    public bool TryGet(string name, out TopicMetadata topic) => _snapshot.ByName.TryGetValue(name, out topic!);

    public bool TryGet(Uuid topicId, out TopicMetadata topic) => _snapshot.ById.TryGetValue(topicId, out topic!);

    public bool TryGetLog(string topic, int partition, out PartitionLog log) => _logs.TryGetLog(new TopicPartition(topic, partition), out log!);

    public Dictionary<string, string> EffectiveConfig(TopicMetadata topic) => _configResolver.EffectiveProperties(topic.ConfigOverrides);

    /// <summary>
    /// Cluster mode: replaces the topics that come from the committed metadata image (kept out of
    /// <c>fjord-topics.json</c>; the metadata log is their record). Locally stored topics such as
    /// <c>__consumer_offsets</c> stay; an image topic of the same name wins. Called by the cluster's metadata publisher.
    /// </summary>
    public void ReplaceClusterTopics(IEnumerable<TopicMetadata> topics)
    {
        lock (_commandLock)
        {
            _clusterTopics = topics.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
            Publish(_storedTopics);
        }
    }

    /// <summary>Creates <paramref name="name"/> with the broker defaults when auto creation is on.</summary>
    public TopicOperationResult AutoCreate(string name)
    {
        if (!_brokerConfig.AutoCreateTopics)
        {
            return TopicOperationResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic {name} does not exist and auto.create.topics.enable is false");
        }

        var result = Create(name, -1, -1, new Dictionary<string, string?>(), validateOnly: false);
        return result.Error == ErrorCode.TopicAlreadyExists && TryGet(name, out var existing) ? TopicOperationResult.Ok(existing) : result;
    }

    public TopicOperationResult Create(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string?> configs, bool validateOnly, bool isInternal = false)
    {
        if (TopicNameRules.Validate(name) is { } nameError)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidTopicException, nameError);
        }

        if (partitions == -1)
        {
            partitions = _brokerConfig.NumPartitions;
        }

        if (replicationFactor == -1)
        {
            replicationFactor = _brokerConfig.DefaultReplicationFactor;
        }

        if (partitions <= 0)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        }

        if (replicationFactor <= 0)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        }

        // One node serves every partition until the controller quorum adds brokers.
        if (replicationFactor > 1)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} cannot be reached because only 1 broker(s) are registered.");
        }

        if (TopicConfigResolver.Validate(configs) is { } configError)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidConfig, configError);
        }

        lock (_commandLock)
        {
            if (_snapshot.ByName.ContainsKey(name))
            {
                return TopicOperationResult.Fail(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            }

            if (CollidesWithExisting(name) is { } other)
            {
                return TopicOperationResult.Fail(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {other}");
            }

            var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in configs)
            {
                if (value is not null)
                {
                    overrides[key] = value;
                }
            }

            var topic = new TopicMetadata(name, Uuid.NewRandom(), partitions, replicationFactor, overrides, isInternal || name.StartsWith("__", StringComparison.Ordinal));
            if (validateOnly)
            {
                return TopicOperationResult.Ok(topic);
            }

            OpenLogs(topic, 0);
            Commit([.. _snapshot.ByName.Values, topic]);
            LogTopicCreated(name, partitions, topic.TopicId.ToString());
            return TopicOperationResult.Ok(topic);
        }
    }

    public TopicOperationResult Delete(string name)
    {
        if (!_brokerConfig.DeleteTopicEnable)
        {
            return TopicOperationResult.Fail(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false).");
        }

        lock (_commandLock)
        {
            if (!_snapshot.ByName.TryGetValue(name, out var topic))
            {
                return TopicOperationResult.Fail(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.");
            }

            Commit(_snapshot.ByName.Values.Where(t => t.Name != name));
            _logs.DeleteLogs(name);
            LogTopicDeleted(name);
            return TopicOperationResult.Ok(topic);
        }
    }

    public TopicOperationResult CreatePartitions(string name, int newCount, bool validateOnly)
    {
        lock (_commandLock)
        {
            if (!_snapshot.ByName.TryGetValue(name, out var topic))
            {
                return TopicOperationResult.Fail(ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist.");
            }

            if (newCount <= topic.PartitionCount)
            {
                return TopicOperationResult.Fail(ErrorCode.InvalidPartitions,
                    newCount == topic.PartitionCount
                        ? $"Topic already has {topic.PartitionCount} partitions."
                        : $"Topic currently has {topic.PartitionCount} partitions, which is higher than the requested {newCount}.");
            }

            var grown = topic with { PartitionCount = newCount };
            if (validateOnly)
            {
                return TopicOperationResult.Ok(grown);
            }

            OpenLogs(grown, topic.PartitionCount);
            Commit(_snapshot.ByName.Values.Select(t => t.Name == name ? grown : t));
            return TopicOperationResult.Ok(grown);
        }
    }

    /// <summary>Replaces the topic's overrides with <paramref name="overrides"/> (AlterConfigs semantics).</summary>
    public TopicOperationResult SetConfigs(string name, IReadOnlyDictionary<string, string?> overrides, bool validateOnly)
    {
        if (TopicConfigResolver.Validate(overrides) is { } configError)
        {
            return TopicOperationResult.Fail(ErrorCode.InvalidConfig, configError);
        }

        lock (_commandLock)
        {
            if (!_snapshot.ByName.TryGetValue(name, out var topic))
            {
                return TopicOperationResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic {name} does not exist.");
            }

            var cleaned = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in overrides)
            {
                if (value is not null)
                {
                    cleaned[key] = value;
                }
            }

            var altered = topic with { ConfigOverrides = cleaned };
            if (validateOnly)
            {
                return TopicOperationResult.Ok(altered);
            }

            Commit(_snapshot.ByName.Values.Select(t => t.Name == name ? altered : t));
            var logConfig = LogConfig.FromProperties(EffectiveConfig(altered));
            for (var partition = 0; partition < altered.PartitionCount; partition++)
            {
                if (_logs.TryGetLog(new TopicPartition(name, partition), out var log))
                {
                    log.UpdateConfig(logConfig);
                }
            }

            return TopicOperationResult.Ok(altered);
        }
    }

    private void OpenLogs(TopicMetadata topic, int fromPartition)
    {
        var logConfig = LogConfig.FromProperties(EffectiveConfig(topic));
        for (var partition = fromPartition; partition < topic.PartitionCount; partition++)
        {
            _logs.GetOrCreateLog(new TopicPartition(topic.Name, partition), logConfig);
        }
    }

    /// <summary>Kafka refuses names that differ only in '.' versus '_', since metric names would collide.</summary>
    private string? CollidesWithExisting(string name)
    {
        var normalized = name.Replace('.', '_');
        foreach (var existing in _snapshot.ByName.Keys)
        {
            if (existing != name && existing.Replace('.', '_') == normalized)
            {
                return existing;
            }
        }

        return null;
    }

    private void Commit(IEnumerable<TopicMetadata> topics)
    {
        var clusterTopics = _clusterTopics;
        var list = topics.Where(t => !clusterTopics.ContainsKey(t.Name)).ToList();
        _store.Save(list);
        Publish(list);
    }

    private void Publish(List<TopicMetadata> topics)
    {
        _storedTopics = topics;
        var merged = new Dictionary<string, TopicMetadata>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            merged[topic.Name] = topic;
        }

        foreach (var (name, topic) in _clusterTopics)
        {
            merged[name] = topic;
        }

        var byName = merged.ToFrozenDictionary(StringComparer.Ordinal);
        _snapshot = new Snapshot(byName, byName.Values.ToFrozenDictionary(t => t.TopicId));
    }

    private sealed record Snapshot(FrozenDictionary<string, TopicMetadata> ByName, FrozenDictionary<Uuid, TopicMetadata> ById)
    {
        public static readonly Snapshot Empty = new(FrozenDictionary<string, TopicMetadata>.Empty, FrozenDictionary<Uuid, TopicMetadata>.Empty);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Loaded {Count} topics")]
    private partial void LogLoaded(int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions, id {TopicId}")]
    private partial void LogTopicCreated(string topic, int partitions, string topicId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Deleted topic {Topic}")]
    private partial void LogTopicDeleted(string topic);
}
