using System.Collections.Immutable;
using Fjord.Metadata.Acls;
using Fjord.Metadata.Records;
using Fjord.Metadata.Scram;
using Google.Protobuf;

namespace Fjord.Metadata;

/// <summary>
/// The cluster metadata as of one point of the metadata log (Kafka's MetadataImage, KIP-500/KIP-631):
/// brokers, topics by id and by name, configs, the producer-id high water and finalized features. Every
/// node builds it by replaying committed records through a <see cref="MetadataDelta"/>; brokers serve
/// Metadata requests from it. Immutable: a new image is a new object, so readers on any thread may hold
/// one without locks.
/// </summary>
public sealed class MetadataImage
{
    /// <summary>The image before any record.</summary>
    public static readonly MetadataImage Empty = new(
        0,
        ImmutableSortedDictionary<int, BrokerRegistration>.Empty,
        ImmutableSortedDictionary<Guid, TopicImage>.Empty,
        ImmutableSortedDictionary.Create<string, Guid>(StringComparer.Ordinal),
        ImmutableSortedDictionary<ConfigResource, ImmutableSortedDictionary<string, string>>.Empty,
        0,
        0,
        ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal),
        ImmutableSortedDictionary<Guid, AclBinding>.Empty,
        ImmutableSortedDictionary<ScramCredentialKey, ScramCredential>.Empty);

    internal MetadataImage(
        ulong offset,
        ImmutableSortedDictionary<int, BrokerRegistration> brokers,
        ImmutableSortedDictionary<Guid, TopicImage> topicsById,
        ImmutableSortedDictionary<string, Guid> topicIdsByName,
        ImmutableSortedDictionary<ConfigResource, ImmutableSortedDictionary<string, string>> configs,
        long nextProducerId,
        long brokerEpochHighWater,
        ImmutableSortedDictionary<string, int> features,
        ImmutableSortedDictionary<Guid, AclBinding> acls,
        ImmutableSortedDictionary<ScramCredentialKey, ScramCredential> scramCredentials)
    {
        Offset = offset;
        Brokers = brokers;
        TopicsById = topicsById;
        TopicIdsByName = topicIdsByName;
        Configs = configs;
        NextProducerId = nextProducerId;
        BrokerEpochHighWater = brokerEpochHighWater;
        Features = features;
        Acls = acls;
        ScramCredentials = scramCredentials;
    }

    /// <summary>Raft index of the last entry this image includes (0 for none).</summary>
    public ulong Offset { get; }

    /// <summary>Registered brokers by id.</summary>
    public ImmutableSortedDictionary<int, BrokerRegistration> Brokers { get; }

    /// <summary>Topics by id.</summary>
    public ImmutableSortedDictionary<Guid, TopicImage> TopicsById { get; }

    /// <summary>Topic ids by name.</summary>
    public ImmutableSortedDictionary<string, Guid> TopicIdsByName { get; }

    /// <summary>Explicitly set configs per resource (defaults are not stored).</summary>
    public ImmutableSortedDictionary<ConfigResource, ImmutableSortedDictionary<string, string>> Configs { get; }

    /// <summary>The first producer id of the next block the controller hands out (KIP-730).</summary>
    public long NextProducerId { get; }

    /// <summary>The highest broker epoch ever assigned.</summary>
    public long BrokerEpochHighWater { get; }

    /// <summary>Finalized feature levels by name (KIP-584).</summary>
    public ImmutableSortedDictionary<string, int> Features { get; }

    /// <summary>ACL bindings by id (KIP-801).</summary>
    public ImmutableSortedDictionary<Guid, AclBinding> Acls { get; }

    /// <summary>SCRAM credentials by user and mechanism (KIP-554).</summary>
    public ImmutableSortedDictionary<ScramCredentialKey, ScramCredential> ScramCredentials { get; }

    /// <summary>The user's credential for <paramref name="mechanism"/>, or null.</summary>
    public ScramCredential? GetScramCredential(string user, ScramMechanism mechanism) =>
        ScramCredentials.GetValueOrDefault(new ScramCredentialKey(user, mechanism.Type));

    /// <summary>The topic with this name, or null.</summary>
    public TopicImage? GetTopic(string name) => TopicIdsByName.TryGetValue(name, out var id) ? TopicsById[id] : null;

    /// <summary>The topic with this id, or null.</summary>
    public TopicImage? GetTopic(Guid id) => TopicsById.GetValueOrDefault(id);

    /// <summary>One partition, or null.</summary>
    public PartitionRegistration? GetPartition(Guid topicId, int partition) =>
        TopicsById.TryGetValue(topicId, out var t) ? t.Partitions.GetValueOrDefault(partition) : null;

    /// <summary>One config value, or null when unset.</summary>
    public string? GetConfig(ConfigResource resource, string name) =>
        Configs.TryGetValue(resource, out var c) ? c.GetValueOrDefault(name) : null;

    /// <summary>The image with <paramref name="records"/> replayed on top (a one-shot delta).</summary>
    public MetadataImage With(IEnumerable<MetadataRecord> records, ulong? offset = null)
    {
        var delta = new MetadataDelta(this);
        delta.Replay(records);
        return delta.Apply(offset ?? Offset);
    }

    /// <summary>
    /// The records that rebuild this image from <see cref="Empty"/>, in a fixed order (features, brokers,
    /// topics with their partitions, configs, producer ids, ACLs, SCRAM credentials). A snapshot of the metadata log is this list.
    /// </summary>
    public List<MetadataRecord> ToRecords()
    {
        var records = new List<MetadataRecord>();
        foreach (var (name, level) in Features)
            records.Add(new MetadataRecord { FeatureLevel = new FeatureLevelRecord { Name = name, FeatureLevel = level } });
        if (BrokerEpochHighWater != 0)
            records.Add(new MetadataRecord { BrokerEpochHighWater = new BrokerEpochHighWaterRecord { BrokerEpoch = BrokerEpochHighWater } });
        foreach (var broker in Brokers.Values) records.Add(new MetadataRecord { RegisterBroker = broker.ToRecord() });
        foreach (var topic in TopicsById.Values)
        {
            records.Add(new MetadataRecord { Topic = new TopicRecord { Name = topic.Name, TopicId = Uuids.ToByteString(topic.Id) } });
            foreach (var (id, p) in topic.Partitions) records.Add(new MetadataRecord { Partition = p.ToRecord(topic.Id, id) });
        }
        foreach (var (resource, configs) in Configs)
            foreach (var (name, value) in configs)
                records.Add(new MetadataRecord
                {
                    Config = new ConfigRecord { ResourceType = resource.Type, ResourceName = resource.Name, Name = name, Value = value },
                });
        if (NextProducerId != 0)
            records.Add(new MetadataRecord { ProducerIds = new ProducerIdsRecord { BrokerId = -1, BrokerEpoch = -1, NextProducerId = NextProducerId } });
        foreach (var (id, acl) in Acls) records.Add(new MetadataRecord { AccessControlEntry = acl.ToRecord(id) });
        foreach (var (key, credential) in ScramCredentials) records.Add(new MetadataRecord { UserScramCredential = ScramCredentialRecords.Upsert(key, credential) });
        return records;
    }

    /// <summary>Rebuilds an image from <see cref="ToRecords"/> output (a snapshot) at <paramref name="offset"/>.</summary>
    public static MetadataImage FromRecords(IEnumerable<MetadataRecord> records, ulong offset) => Empty.With(records, offset);

    /// <summary>
    /// True when both images hold the same metadata (ignoring <see cref="Offset"/>). Compares the canonical
    /// record encodings, so it is exact but not cheap; for tests and invariant checks.
    /// </summary>
    public bool ContentEquals(MetadataImage other) =>
        ReferenceEquals(this, other) || MetadataBatchCodec.EncodeRecords(ToRecords()).AsSpan().SequenceEqual(MetadataBatchCodec.EncodeRecords(other.ToRecords()));

    /// <summary>A readable dump, one record per line, for failure messages.</summary>
    public string Describe() => $"offset {Offset}\n" + string.Join("\n", ToRecords().Select(r => JsonFormatter.Default.Format(r)));
}
