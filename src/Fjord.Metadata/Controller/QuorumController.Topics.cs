using System.Collections.Immutable;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// CreateTopics, DeleteTopics and CreatePartitions, with Kafka's validation and error codes
// (KIP-4 admin requests, forwarded to the controller by whichever broker received them: KIP-590).
public sealed partial class QuorumController
{
    /// <summary>Longest topic name Kafka accepts (Topic.MAX_NAME_LENGTH).</summary>
    public const int MaxTopicNameLength = 249;

    /// <summary>
    /// Creates topics: each gets a fresh topic id, its partitions placed by <see cref="ReplicaPlacer"/> (or
    /// as assigned), ISR = the eligible assigned replicas, leader = the first of them. With
    /// <paramref name="validateOnly"/> nothing is written.
    /// </summary>
    public ControllerResult<IReadOnlyList<CreateTopicResult>> CreateTopics(IReadOnlyList<CreatableTopic> topics, bool validateOnly = false)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<CreateTopicResult>(topics.Count);
        var duplicates = topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var topic in topics)
        {
            if (duplicates.Contains(topic.Name))
            {
                results.Add(Failed(topic, ErrorCode.InvalidRequest, "Duplicate topic name."));
                continue;
            }
            results.Add(CreateTopic(builder, topic, validateOnly));
        }
        return builder.Result<IReadOnlyList<CreateTopicResult>>(results);
    }

    private static CreateTopicResult Failed(CreatableTopic t, ErrorCode error, string message) =>
        new(t.Name, Guid.Empty, error, message, -1, -1);

    private CreateTopicResult CreateTopic(ControllerRecordBuilder builder, CreatableTopic t, bool validateOnly)
    {
        var image = builder.Image;
        if (ValidateTopicName(t.Name) is { } nameError) return Failed(t, ErrorCode.InvalidTopicException, nameError);
        if (image.TopicIdsByName.ContainsKey(t.Name)) return Failed(t, ErrorCode.TopicAlreadyExists, $"Topic '{t.Name}' already exists.");
        var normalized = t.Name.Replace('.', '_');
        foreach (var existing in image.TopicIdsByName.Keys)
            if (existing.Replace('.', '_') == normalized)
                return Failed(t, ErrorCode.InvalidTopicException, $"Topic '{t.Name}' collides with existing topic: {existing}");
        if (t.Configs is not null)
            foreach (var (name, value) in t.Configs)
                if (_configValidator.Validate(ConfigResource.Topic(t.Name), name, value) is { } configError)
                    return Failed(t, ErrorCode.InvalidConfig, configError);

        List<ImmutableArray<int>> assignments;
        if (t.Assignments is { Count: > 0 } manual)
        {
            if (t.NumPartitions != -1 || t.ReplicationFactor != -1)
                return Failed(t, ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            assignments = [];
            for (var p = 0; p < manual.Count; p++)
            {
                if (!manual.TryGetValue(p, out var replicas))
                    return Failed(t, ErrorCode.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence");
                if (ValidateAssignment(image, replicas, assignments.Count > 0 ? assignments[0].Length : replicas.Count) is { } error)
                    return Failed(t, ErrorCode.InvalidReplicaAssignment, error);
                assignments.Add([.. replicas]);
            }
        }
        else
        {
            var partitions = t.NumPartitions == -1 ? _options.DefaultPartitions : t.NumPartitions;
            var rf = t.ReplicationFactor == -1 ? _options.DefaultReplicationFactor : t.ReplicationFactor;
            if (partitions <= 0) return Failed(t, ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
            if (partitions > _options.MaxPartitionsPerRequest) return Failed(t, ErrorCode.InvalidPartitions, $"Too many partitions: {partitions}.");
            if (rf <= 0) return Failed(t, ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
            var placer = new ReplicaPlacer(image, UsableBrokers(image));
            if (rf > placer.UsableBrokers)
                return Failed(t, ErrorCode.InvalidReplicationFactor,
                    $"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {placer.UsableBrokers} broker(s) are registered.");
            assignments = [];
            for (var p = 0; p < partitions; p++) assignments.Add([.. placer.Place(rf)]);
        }

        Guid topicId;
        if (t.TopicId is { } given && given != Guid.Empty)
        {
            if (image.TopicsById.ContainsKey(given)) return Failed(t, ErrorCode.TopicAlreadyExists, $"Topic id {given} is already in use.");
            topicId = given;
        }
        else
        {
            do topicId = Uuids.NewUuid(_random);
            while (image.TopicsById.ContainsKey(topicId));
        }
        var result = new CreateTopicResult(t.Name, topicId, ErrorCode.None, null, assignments.Count, (short)assignments[0].Length);
        if (validateOnly) return result;
        builder.Add(new MetadataRecord { Topic = new TopicRecord { Name = t.Name, TopicId = Uuids.ToByteString(topicId) } });
        for (var p = 0; p < assignments.Count; p++) builder.Add(new MetadataRecord { Partition = NewPartition(image, assignments[p]).ToRecord(topicId, p) });
        if (t.Configs is not null)
            foreach (var (name, value) in t.Configs.OrderBy(c => c.Key, StringComparer.Ordinal))
                builder.Add(new MetadataRecord
                {
                    Config = new ConfigRecord { ResourceType = ConfigResourceType.ConfigResourceTopic, ResourceName = t.Name, Name = name, Value = value },
                });
        return result;
    }

    private static PartitionRegistration NewPartition(MetadataImage image, ImmutableArray<int> replicas)
    {
        var isr = replicas.Where(r => IsEligible(image, r)).ToImmutableArray();
        return new PartitionRegistration(replicas, isr, [], [], isr.Length > 0 ? isr[0] : PartitionRegistration.NoLeader, 0, 0);
    }

    /// <summary>Null when the assignment is usable; otherwise Kafka's INVALID_REPLICA_ASSIGNMENT message.</summary>
    private static string? ValidateAssignment(MetadataImage image, IReadOnlyList<int> replicas, int expectedReplicationFactor)
    {
        if (replicas.Count == 0) return "The manual partition assignment includes an empty replica list.";
        if (replicas.Distinct().Count() != replicas.Count) return $"The manual partition assignment includes duplicate replicas [{string.Join(",", replicas)}].";
        foreach (var r in replicas)
            if (!image.Brokers.ContainsKey(r)) return $"The manual partition assignment includes broker {r}, but no such broker is registered.";
        if (replicas.Count != expectedReplicationFactor)
            return $"The manual partition assignment includes a partition with {replicas.Count} replica(s), but this is not consistent with previous partitions, which have {expectedReplicationFactor} replica(s).";
        if (!replicas.Any(r => IsEligible(image, r))) return "All brokers specified in the manual partition assignment are fenced or in controlled shutdown.";
        return null;
    }

    /// <summary>Null for a legal topic name, else why not (Kafka's Topic.validate).</summary>
    public static string? ValidateTopicName(string name)
    {
        if (string.IsNullOrEmpty(name)) return "Topic name is illegal, it can't be empty";
        if (name is "." or "..") return "Topic name cannot be \".\" or \"..\"";
        if (name.Length > MaxTopicNameLength) return $"Topic name is illegal, it can't be longer than {MaxTopicNameLength} characters";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
        return null;
    }

    /// <summary>Deletes topics by name and by id (RemoveTopicRecord; the topic's configs go with it).</summary>
    public ControllerResult<IReadOnlyList<DeleteTopicResult>> DeleteTopics(IReadOnlyList<string> names, IReadOnlyList<Guid>? ids = null)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<DeleteTopicResult>();
        foreach (var name in names)
        {
            if (builder.Image.GetTopic(name) is not { } topic)
            {
                results.Add(new DeleteTopicResult(name, Guid.Empty, ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition."));
                continue;
            }
            builder.Add(new MetadataRecord { RemoveTopic = new RemoveTopicRecord { TopicId = Uuids.ToByteString(topic.Id) } });
            results.Add(new DeleteTopicResult(name, topic.Id, ErrorCode.None, null));
        }
        foreach (var id in ids ?? [])
        {
            if (builder.Image.GetTopic(id) is not { } topic)
            {
                results.Add(new DeleteTopicResult(null, id, ErrorCode.UnknownTopicId, "This server does not host this topic ID."));
                continue;
            }
            builder.Add(new MetadataRecord { RemoveTopic = new RemoveTopicRecord { TopicId = Uuids.ToByteString(id) } });
            results.Add(new DeleteTopicResult(topic.Name, id, ErrorCode.None, null));
        }
        return builder.Result<IReadOnlyList<DeleteTopicResult>>(results);
    }

    /// <summary>Adds partitions to existing topics, with the replication factor of partition 0.</summary>
    public ControllerResult<IReadOnlyList<TopicErrorResult>> CreatePartitions(IReadOnlyList<CreatePartitionsTopic> topics, bool validateOnly = false)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<TopicErrorResult>();
        foreach (var t in topics)
        {
            var (error, message) = CreatePartitions(builder, t, validateOnly);
            results.Add(new TopicErrorResult(t.Name, error, message));
        }
        return builder.Result<IReadOnlyList<TopicErrorResult>>(results);
    }

    private (ErrorCode, string?) CreatePartitions(ControllerRecordBuilder builder, CreatePartitionsTopic t, bool validateOnly)
    {
        var image = builder.Image;
        if (image.GetTopic(t.Name) is not { } topic) return (ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.");
        var current = topic.Partitions.Count;
        if (t.Count < current) return (ErrorCode.InvalidPartitions, $"Topic currently has {current} partitions, which is higher than the requested {t.Count}.");
        if (t.Count == current) return (ErrorCode.InvalidPartitions, $"Topic already has {current} partitions.");
        if (t.Count - current > _options.MaxPartitionsPerRequest) return (ErrorCode.InvalidPartitions, $"Too many partitions: {t.Count}.");
        var rf = topic.Partitions.Count > 0 ? topic.Partitions.Values.First().Replicas.Length : _options.DefaultReplicationFactor;
        var added = new List<ImmutableArray<int>>();
        if (t.Assignments is { } manual)
        {
            if (manual.Count != t.Count - current)
                return (ErrorCode.InvalidReplicaAssignment, $"Attempted to add {t.Count - current} additional partition(s), but only {manual.Count} assignment(s) were specified.");
            foreach (var replicas in manual)
            {
                if (ValidateAssignment(image, replicas, rf) is { } error) return (ErrorCode.InvalidReplicaAssignment, error);
                added.Add([.. replicas]);
            }
        }
        else
        {
            var placer = new ReplicaPlacer(image, UsableBrokers(image));
            if (rf > placer.UsableBrokers)
                return (ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {rf} time(s): only {placer.UsableBrokers} usable broker(s).");
            for (var p = current; p < t.Count; p++) added.Add([.. placer.Place(rf)]);
        }
        if (validateOnly) return (ErrorCode.None, null);
        for (var i = 0; i < added.Count; i++)
            builder.Add(new MetadataRecord { Partition = NewPartition(image, added[i]).ToRecord(topic.Id, current + i) });
        return (ErrorCode.None, null);
    }
}
