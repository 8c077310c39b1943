using System.Collections.Immutable;
using Fjord.Metadata.Acls;
using Fjord.Metadata.Records;
using Fjord.Metadata.Scram;

namespace Fjord.Metadata;

/// <summary>
/// Changes on top of a base <see cref="MetadataImage"/>, built by <see cref="Replay(MetadataRecord)"/> —
/// the one mutation path, shared by the active controller, followers and snapshot loading (Kafka's
/// MetadataDelta). <see cref="Apply"/> yields the next image; the change sets tell a broker what to do
/// (become leader or follower, delete a partition). A record inconsistent with the state (a partition of
/// an unknown topic, a stale producer-id block) throws <see cref="InvalidOperationException"/>: the log
/// is the truth, so such a record means a controller bug. Not thread-safe; owned by one loop.
/// </summary>
public sealed class MetadataDelta
{
    private readonly ImmutableSortedDictionary<int, BrokerRegistration>.Builder _brokers;
    private readonly ImmutableSortedDictionary<Guid, TopicImage>.Builder _topics;
    private readonly ImmutableSortedDictionary<string, Guid>.Builder _topicIds;
    private readonly ImmutableSortedDictionary<ConfigResource, ImmutableSortedDictionary<string, string>>.Builder _configs;
    private readonly ImmutableSortedDictionary<string, int>.Builder _features;
    private readonly ImmutableSortedDictionary<Guid, AclBinding>.Builder _acls;
    private readonly ImmutableSortedDictionary<ScramCredentialKey, ScramCredential>.Builder _scramCredentials;
    private readonly HashSet<int> _changedBrokers = [];
    private readonly HashSet<TopicIdPartition> _changedPartitions = [];
    private readonly Dictionary<Guid, TopicImage> _deletedTopics = [];
    private readonly HashSet<ConfigResource> _changedConfigs = [];
    private long _nextProducerId;
    private long _brokerEpochHighWater;

    /// <summary>Starts an empty delta over <paramref name="image"/>.</summary>
    public MetadataDelta(MetadataImage image)
    {
        Image = image;
        _brokers = image.Brokers.ToBuilder();
        _topics = image.TopicsById.ToBuilder();
        _topicIds = image.TopicIdsByName.ToBuilder();
        _configs = image.Configs.ToBuilder();
        _features = image.Features.ToBuilder();
        _acls = image.Acls.ToBuilder();
        _scramCredentials = image.ScramCredentials.ToBuilder();
        _nextProducerId = image.NextProducerId;
        _brokerEpochHighWater = image.BrokerEpochHighWater;
    }

    /// <summary>The base image.</summary>
    public MetadataImage Image { get; }

    /// <summary>Records replayed so far.</summary>
    public int RecordCount { get; private set; }

    /// <summary>Brokers registered, changed or unregistered.</summary>
    public IReadOnlyCollection<int> ChangedBrokers => _changedBrokers;

    /// <summary>Partitions created or changed (not those of deleted topics).</summary>
    public IReadOnlyCollection<TopicIdPartition> ChangedPartitions => _changedPartitions;

    /// <summary>Topics of the base image that are gone, with their last state.</summary>
    public IReadOnlyDictionary<Guid, TopicImage> DeletedTopics => _deletedTopics;

    /// <summary>Config resources whose values changed.</summary>
    public IReadOnlyCollection<ConfigResource> ChangedConfigs => _changedConfigs;

    /// <summary>The broker as it stands after the records so far, or null.</summary>
    public BrokerRegistration? GetBroker(int id) => _brokers.GetValueOrDefault(id);

    /// <summary>The topic as it stands after the records so far, or null.</summary>
    public TopicImage? GetTopic(Guid id) => _topics.GetValueOrDefault(id);

    /// <summary>Replays records in order.</summary>
    public void Replay(IEnumerable<MetadataRecord> records)
    {
        foreach (var r in records) Replay(r);
    }

    /// <summary>Replays one record.</summary>
    public void Replay(MetadataRecord record)
    {
        switch (record.RecordCase)
        {
            case MetadataRecord.RecordOneofCase.RegisterBroker: Replay(record.RegisterBroker); break;
            case MetadataRecord.RecordOneofCase.UnregisterBroker: Replay(record.UnregisterBroker); break;
            case MetadataRecord.RecordOneofCase.FenceBroker:
                ChangeBroker(record.FenceBroker.BrokerId, record.FenceBroker.BrokerEpoch, b => b with { Fenced = true });
                break;
            case MetadataRecord.RecordOneofCase.UnfenceBroker:
                ChangeBroker(record.UnfenceBroker.BrokerId, record.UnfenceBroker.BrokerEpoch, b => b with { Fenced = false });
                break;
            case MetadataRecord.RecordOneofCase.BrokerRegistrationChange:
                var c = record.BrokerRegistrationChange;
                ChangeBroker(c.BrokerId, c.BrokerEpoch, b => b with
                {
                    Fenced = c.HasFenced ? c.Fenced : b.Fenced,
                    InControlledShutdown = c.HasInControlledShutdown ? c.InControlledShutdown : b.InControlledShutdown,
                });
                break;
            case MetadataRecord.RecordOneofCase.BrokerEpochHighWater:
                _brokerEpochHighWater = Math.Max(_brokerEpochHighWater, record.BrokerEpochHighWater.BrokerEpoch);
                break;
            case MetadataRecord.RecordOneofCase.Topic: Replay(record.Topic); break;
            case MetadataRecord.RecordOneofCase.Partition: Replay(record.Partition); break;
            case MetadataRecord.RecordOneofCase.PartitionChange: Replay(record.PartitionChange); break;
            case MetadataRecord.RecordOneofCase.RemoveTopic: Replay(record.RemoveTopic); break;
            case MetadataRecord.RecordOneofCase.Config: Replay(record.Config); break;
            case MetadataRecord.RecordOneofCase.ProducerIds:
                var next = record.ProducerIds.NextProducerId;
                if (next < _nextProducerId) throw new InvalidOperationException($"producer-id block moves back from {_nextProducerId} to {next}");
                _nextProducerId = next;
                break;
            case MetadataRecord.RecordOneofCase.FeatureLevel:
                var f = record.FeatureLevel;
                // A feature a new cluster finalizes above 0 keeps its level-0 record, or the new-cluster level would come back.
                if (f.FeatureLevel == 0 && !Features.SupportedFeatures.NewClusterLevels.ContainsKey(f.Name)) _features.Remove(f.Name);
                else _features[f.Name] = f.FeatureLevel;
                break;
            case MetadataRecord.RecordOneofCase.AccessControlEntry:
                var acl = record.AccessControlEntry;
                if (!_acls.TryAdd(Uuids.ToGuid(acl.Id), AclBinding.FromRecord(acl)))
                    throw new InvalidOperationException($"ACL {Uuids.ToGuid(acl.Id)} already exists");
                break;
            case MetadataRecord.RecordOneofCase.RemoveAccessControlEntry:
                if (!_acls.Remove(Uuids.ToGuid(record.RemoveAccessControlEntry.Id)))
                    throw new InvalidOperationException($"removing unknown ACL {Uuids.ToGuid(record.RemoveAccessControlEntry.Id)}");
                break;
            case MetadataRecord.RecordOneofCase.UserScramCredential:
                var (key, credential) = ScramCredentialRecords.FromRecord(record.UserScramCredential);
                _scramCredentials[key] = credential;
                break;
            case MetadataRecord.RecordOneofCase.RemoveUserScramCredential:
                var removed = record.RemoveUserScramCredential;
                if (!_scramCredentials.Remove(new ScramCredentialKey(removed.Name, (sbyte)removed.Mechanism)))
                    throw new InvalidOperationException($"removing unknown SCRAM credential of '{removed.Name}' (mechanism {removed.Mechanism})");
                break;
            default:
                throw new InvalidOperationException($"unknown metadata record {record.RecordCase}");
        }
        RecordCount++;
    }

    private void Replay(RegisterBrokerRecord r)
    {
        // A new incarnation replaces the old registration whole (KIP-631).
        _brokers[r.BrokerId] = BrokerRegistration.FromRecord(r);
        _brokerEpochHighWater = Math.Max(_brokerEpochHighWater, r.BrokerEpoch);
        _changedBrokers.Add(r.BrokerId);
    }

    private void Replay(UnregisterBrokerRecord r)
    {
        if (!_brokers.TryGetValue(r.BrokerId, out var b) || b.Epoch != r.BrokerEpoch)
            throw new InvalidOperationException($"unregistering broker {r.BrokerId} epoch {r.BrokerEpoch}, which is not registered");
        _brokers.Remove(r.BrokerId);
        _changedBrokers.Add(r.BrokerId);
    }

    private void ChangeBroker(int id, long epoch, Func<BrokerRegistration, BrokerRegistration> change)
    {
        if (!_brokers.TryGetValue(id, out var b) || b.Epoch != epoch)
            throw new InvalidOperationException($"changing broker {id} epoch {epoch}, which is not registered");
        _brokers[id] = change(b);
        _changedBrokers.Add(id);
    }

    private void Replay(TopicRecord r)
    {
        var id = Uuids.ToGuid(r.TopicId);
        if (_topics.ContainsKey(id) || _topicIds.ContainsKey(r.Name))
            throw new InvalidOperationException($"topic {r.Name} ({id}) already exists");
        _topics[id] = TopicImage.Create(r.Name, id);
        _topicIds[r.Name] = id;
    }

    private void Replay(PartitionRecord r)
    {
        var topicId = Uuids.ToGuid(r.TopicId);
        var topic = Topic(topicId);
        _topics[topicId] = topic with { Partitions = topic.Partitions.SetItem(r.PartitionId, PartitionRegistration.FromRecord(r)) };
        _changedPartitions.Add(new TopicIdPartition(topicId, r.PartitionId));
    }

    private void Replay(PartitionChangeRecord r)
    {
        var topicId = Uuids.ToGuid(r.TopicId);
        var topic = Topic(topicId);
        if (!topic.Partitions.TryGetValue(r.PartitionId, out var p))
            throw new InvalidOperationException($"change of unknown partition {topic.Name}-{r.PartitionId}");
        _topics[topicId] = topic with { Partitions = topic.Partitions.SetItem(r.PartitionId, p.Merge(r)) };
        _changedPartitions.Add(new TopicIdPartition(topicId, r.PartitionId));
    }

    private void Replay(RemoveTopicRecord r)
    {
        var id = Uuids.ToGuid(r.TopicId);
        var topic = Topic(id);
        _topics.Remove(id);
        _topicIds.Remove(topic.Name);
        if (Image.TopicsById.TryGetValue(id, out var before)) _deletedTopics[id] = before;
        _changedPartitions.RemoveWhere(tp => tp.TopicId == id);
        // A topic's configs go with it (Kafka's ConfigurationControlManager.deleteTopicConfigs).
        var resource = ConfigResource.Topic(topic.Name);
        if (_configs.Remove(resource)) _changedConfigs.Add(resource);
    }

    private void Replay(ConfigRecord r)
    {
        var resource = new ConfigResource(r.ResourceType, r.ResourceName);
        var configs = _configs.GetValueOrDefault(resource) ?? ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
        configs = r.HasValue ? configs.SetItem(r.Name, r.Value) : configs.Remove(r.Name);
        if (configs.IsEmpty) _configs.Remove(resource);
        else _configs[resource] = configs;
        _changedConfigs.Add(resource);
    }

    private TopicImage Topic(Guid id) =>
        _topics.GetValueOrDefault(id) ?? throw new InvalidOperationException($"unknown topic id {id}");

    /// <summary>The image with every replayed record applied; the delta may keep replaying afterwards.</summary>
    public MetadataImage Apply(ulong offset) => new(
        offset,
        _brokers.ToImmutable(),
        _topics.ToImmutable(),
        _topicIds.ToImmutable(),
        _configs.ToImmutable(),
        _nextProducerId,
        _brokerEpochHighWater,
        _features.ToImmutable(),
        _acls.ToImmutable(),
        _scramCredentials.ToImmutable());

    /// <summary>
    /// What <paramref name="brokerId"/> must do for this delta (Kafka's TopicsDelta.localChanges): lead or
    /// follow the partitions whose state changed and name it as a replica, delete the ones it no longer
    /// hosts (topic deleted or reassigned away).
    /// </summary>
    public LocalReplicaChanges LocalChanges(int brokerId)
    {
        var leaders = new List<TopicIdPartition>();
        var followers = new List<TopicIdPartition>();
        var deletes = new List<TopicIdPartition>();
        foreach (var (id, topic) in _deletedTopics)
            foreach (var (p, reg) in topic.Partitions)
                if (reg.Replicas.Contains(brokerId)) deletes.Add(new TopicIdPartition(id, p));
        foreach (var tp in _changedPartitions)
        {
            var reg = _topics[tp.TopicId].Partitions[tp.Partition];
            if (reg.Replicas.Contains(brokerId))
            {
                if (reg.Leader == brokerId) leaders.Add(tp);
                else followers.Add(tp);
            }
            else if (Image.GetPartition(tp.TopicId, tp.Partition) is { } before && before.Replicas.Contains(brokerId))
            {
                deletes.Add(tp);
            }
        }
        leaders.Sort();
        followers.Sort();
        deletes.Sort();
        return new LocalReplicaChanges(leaders, followers, deletes);
    }
}
