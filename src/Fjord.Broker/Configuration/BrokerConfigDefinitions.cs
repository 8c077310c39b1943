using System.Collections.Frozen;
using Fjord.Broker.Security;

namespace Fjord.Broker.Configuration;

/// <summary>
/// The broker-level configs Fjord understands (Kafka's names and defaults) plus Fjord's own node
/// settings. Thread-safe; a static table.
/// </summary>
public static class BrokerConfigDefinitions
{
    private static readonly string[] s_logFormats = ["text", "json"];
    private static readonly string[] s_migrationPolicies = ["bidirectional", "upgrade", "downgrade", "disabled"];
    private static readonly string[] s_keystoreTypes = ["PEM"];
    private static readonly string[] s_clientAuth = ["none", "requested", "required"];
    private static readonly string[] s_tlsVersions = ["TLSv1.2", "TLSv1.3"];
    private static readonly string[] s_authorizers = ["", BrokerAuthorizer.StandardAuthorizerClassName];
    private static readonly string[] s_saslMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    /// <summary>
    /// KIP-392: Kafka's two selector classes and a short name for the rack-aware one. Empty (the default) and
    /// LeaderReplicaSelector both mean consumers always fetch from the leader.
    /// </summary>
    private static readonly string[] s_replicaSelectors =
        [LeaderReplicaSelectorClass, RackAwareReplicaSelectorClass, RackAwareReplicaSelectorAlias];

    /// <summary>Kafka's <c>org.apache.kafka.common.replica.LeaderReplicaSelector</c>: consumers read from the leader.</summary>
    public const string LeaderReplicaSelectorClass = "org.apache.kafka.common.replica.LeaderReplicaSelector";

    /// <summary>Kafka's <c>RackAwareReplicaSelector</c>: a consumer is sent to an in-sync replica in its <c>client.rack</c>.</summary>
    public const string RackAwareReplicaSelectorClass = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

    /// <summary>Fjord's short name for <see cref="RackAwareReplicaSelectorClass"/>.</summary>
    public const string RackAwareReplicaSelectorAlias = "rack-aware";

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        // Node settings (Fjord's command line).
        new("node.id", ConfigType.Int, "0", "this node's id", Min: 0),
        new("data.dir", ConfigType.String, "./data", "directory holding partition logs and metadata"),
        new("kafka.listen", ConfigType.String, "127.0.0.1:9092", "host:port of the Kafka protocol listener"),
        new("kafka.advertised", ConfigType.String, "", "host:port clients are told to connect to (default: kafka.listen)"),
        new("rpc.listen", ConfigType.String, "127.0.0.1:9093", "host:port of the gRPC listener (raft, controller, admin)"),
        new("rpc.advertised", ConfigType.String, "", "host:port other nodes dial for this node's gRPC listener, recorded in the metadata log when it joins the quorum (default: rpc.listen; give a name that survives restarts, e.g. a pod's DNS name)"),
        new("http.listen", ConfigType.String, "127.0.0.1:9644", "host:port of the HTTP listener (/metrics, /healthz, /readyz)"),
        new("voters", ConfigType.String, "", "controller quorum voters, ID@HOST:RPCPORT,... (empty: this node alone; a node not listed joins as a learner)"),
        new("broker.rack", ConfigType.String, "", "rack of this broker (--rack); clients with a matching client.rack may fetch from it (KIP-392)"),
        new("log.format", ConfigType.String, "text", "console log format", AllowedValues: s_logFormats),
        new("metrics.partition.level", ConfigType.Boolean, "true", "export log size, log start/end offset and high watermark per partition on /metrics (turn off for brokers with many partitions)"),

        // Kafka broker configs.
        new("auto.create.topics.enable", ConfigType.Boolean, "true", "create a topic when a client asks for metadata of or produces to an unknown one"),
        new("delete.topic.enable", ConfigType.Boolean, "true", "allow DeleteTopics"),
        new("num.partitions", ConfigType.Int, "1", "partitions of an auto-created topic", Min: 1),
        new("default.replication.factor", ConfigType.Short, "1", "replication factor of an auto-created topic", Min: 1),
        new("min.insync.replicas", ConfigType.Int, "1", "replicas that must acknowledge an acks=all write", Min: 1),
        new("message.max.bytes", ConfigType.Int, "1048588", "largest record batch a topic accepts", Min: 0),
        new("socket.request.max.bytes", ConfigType.Int, "104857600", "largest request frame accepted before the connection is closed", Min: 1),
        new("compression.type", ConfigType.String, "producer", "codec stored on disk", AllowedValues: TopicConfigDefinitions.CompressionTypes),
        new("log.cleanup.policy", ConfigType.List, "delete", "default cleanup.policy", AllowedValues: TopicConfigDefinitions.CleanupPolicies),
        new("log.cleaner.delete.retention.ms", ConfigType.Long, "86400000", "default delete.retention.ms", Min: 0),
        new("log.cleaner.min.cleanable.ratio", ConfigType.Double, "0.5", "default min.cleanable.dirty.ratio", Min: 0, Max: 1),
        new("log.cleaner.min.compaction.lag.ms", ConfigType.Long, "0", "default min.compaction.lag.ms", Min: 0),
        new("log.cleaner.max.compaction.lag.ms", ConfigType.Long, "9223372036854775807", "default max.compaction.lag.ms", Min: 1),
        new("log.message.timestamp.before.max.ms", ConfigType.Long, "9223372036854775807", "default message.timestamp.before.max.ms", Min: 0),
        new("log.message.timestamp.after.max.ms", ConfigType.Long, TopicConfigDefinitions.TimestampAfterMaxMsDefault, "default message.timestamp.after.max.ms", Min: 0),
        new("log.roll.jitter.ms", ConfigType.Long, "0", "default segment.jitter.ms", Min: 0),
        new("log.preallocate", ConfigType.Boolean, "false", "default preallocate"),
        new("compression.gzip.level", ConfigType.Int, "-1", "default compression.gzip.level", Min: -1, Max: 9),
        new("compression.lz4.level", ConfigType.Int, "9", "default compression.lz4.level", Min: 1, Max: 17),
        new("compression.zstd.level", ConfigType.Int, "3", "default compression.zstd.level", Min: -131072, Max: 22),
        new("log.local.retention.ms", ConfigType.Long, "-2", "default local.retention.ms", Min: -2),
        new("log.local.retention.bytes", ConfigType.Long, "-2", "default local.retention.bytes", Min: -2),
        new("log.segment.delete.delay.ms", ConfigType.Long, "60000", "default file.delete.delay.ms", Min: 0),
        new("log.flush.interval.messages", ConfigType.Long, "9223372036854775807", "default flush.messages", Min: 1),
        new("log.flush.interval.ms", ConfigType.Long, "9223372036854775807", "default flush.ms", Min: 0),
        new("log.index.interval.bytes", ConfigType.Int, "4096", "default index.interval.bytes", Min: 0),
        new("log.index.size.max.bytes", ConfigType.Int, "10485760", "default segment.index.bytes", Min: 4),
        new("log.message.timestamp.type", ConfigType.String, "CreateTime", "default message.timestamp.type", AllowedValues: TopicConfigDefinitions.TimestampTypes),
        new("log.retention.bytes", ConfigType.Long, "-1", "default retention.bytes"),
        new("log.retention.ms", ConfigType.Long, "604800000", "default retention.ms", Min: -1),
        new("log.roll.ms", ConfigType.Long, "604800000", "default segment.ms", Min: 1),
        new("log.segment.bytes", ConfigType.Int, "1073741824", "default segment.bytes", Min: 14),
        new("broker.heartbeat.interval.ms", ConfigType.Int, "2000", "how often a broker heartbeats to the active controller", Min: 1),
        new("broker.session.timeout.ms", ConfigType.Int, "9000", "a broker whose last heartbeat is older than this is fenced by the controller", Min: 1),
        new("controlled.shutdown.timeout.ms", ConfigType.Int, "15000", "on SIGTERM, how long a broker waits for the controller to move its leaderships away (KIP-841) before it closes its listeners anyway", Min: 0),
        new("unclean.leader.election.enable", ConfigType.Boolean, "false", "default unclean.leader.election.enable"),
        new("replica.lag.time.max.ms", ConfigType.Long, "30000", "a follower that has not caught up with its leader for this long is removed from the ISR", Min: 1),
        new("replica.selector.class", ConfigType.Class, "", "where a leader sends consumers that name their client.rack (KIP-392): empty or LeaderReplicaSelector keeps them on the leader; RackAwareReplicaSelector (or rack-aware) sends them to an in-sync follower in their rack", AllowedValues: s_replicaSelectors),
        new("leader.replication.throttled.rate", ConfigType.Long, "9223372036854775807", "bytes/s a leader sends to out-of-sync followers of replicas listed in leader.replication.throttled.replicas (KIP-73)", Min: 0),
        new("follower.replication.throttled.rate", ConfigType.Long, "9223372036854775807", "bytes/s a follower fetches for its out-of-sync replicas listed in follower.replication.throttled.replicas (KIP-73)", Min: 0),
        new("replication.quota.window.num", ConfigType.Int, "11", "samples the replication throttle rate is measured over", Min: 1),
        new("replication.quota.window.size.seconds", ConfigType.Int, "1", "length of one replication throttle sample", Min: 1),
        new("auto.leader.rebalance.enable", ConfigType.Boolean, "true", "the controller moves leadership back to preferred replicas"),
        new("leader.imbalance.check.interval.seconds", ConfigType.Long, "300", "how often the controller moves leadership back to preferred replicas", Min: 1),
        new("offsets.topic.num.partitions", ConfigType.Int, "50", "partitions of __consumer_offsets", Min: 1),
        new("offsets.topic.replication.factor", ConfigType.Short, "3", "replication factor of __consumer_offsets; it is not created until this many brokers are registered", Min: 1),
        new("offsets.commit.timeout.ms", ConfigType.Int, "5000", "how long a group write to __consumer_offsets waits to be committed by the ISR before the request fails", Min: 1),
        new("group.initial.rebalance.delay.ms", ConfigType.Int, "3000", "delay before the first rebalance of a new group", Min: 0),
        new("group.min.session.timeout.ms", ConfigType.Int, "6000", "smallest session.timeout.ms a member may ask for", Min: 0),
        new("group.max.session.timeout.ms", ConfigType.Int, "1800000", "largest session.timeout.ms a member may ask for", Min: 0),
        new("group.max.size", ConfigType.Int, "2147483647", "members a group may hold", Min: 1),
        new("group.coordinator.rebalance.protocols", ConfigType.List, "classic,consumer", "group protocols the coordinator serves: classic always; consumer (KIP-848) only when listed (and group.version is 1), else ConsumerGroupHeartbeat and ConsumerGroupDescribe are not advertised"),
        new("group.consumer.migration.policy", ConfigType.String, "bidirectional", "KIP-848 online migration: upgrade converts a classic group with members to a consumer group when a consumer-protocol member joins; downgrade converts it back when its last consumer-protocol member leaves; bidirectional both, disabled neither", AllowedValues: s_migrationPolicies),
        new("group.consumer.heartbeat.interval.ms", ConfigType.Int, "5000", "how often KIP-848 consumer group members heartbeat", Min: 1),
        new("group.consumer.session.timeout.ms", ConfigType.Int, "45000", "a KIP-848 consumer group member that does not heartbeat this long is fenced", Min: 1),
        new("group.consumer.min.session.timeout.ms", ConfigType.Int, "45000", "smallest consumer.session.timeout.ms a group config may set", Min: 1),
        new("group.consumer.max.session.timeout.ms", ConfigType.Int, "60000", "largest consumer.session.timeout.ms a group config may set", Min: 1),
        new("group.consumer.min.heartbeat.interval.ms", ConfigType.Int, "5000", "shortest consumer.heartbeat.interval.ms a group config may set", Min: 1),
        new("group.consumer.max.heartbeat.interval.ms", ConfigType.Int, "15000", "longest consumer.heartbeat.interval.ms a group config may set", Min: 1),
        new("group.consumer.assignors", ConfigType.List, "uniform,range", "server-side assignors of KIP-848 consumer groups (uniform, range), the first being the default"),
        new("offsets.retention.minutes", ConfigType.Int, "10080", "how long committed offsets of an empty group are kept", Min: 1),
        new("offsets.retention.check.interval.ms", ConfigType.Long, "600000", "how often expired offsets are removed", Min: 1),
        new("offset.metadata.max.bytes", ConfigType.Int, "4096", "largest metadata string of a committed offset", Min: 0),
        new("transaction.state.log.num.partitions", ConfigType.Int, "50", "partitions of __transaction_state", Min: 1),
        new("transaction.state.log.replication.factor", ConfigType.Short, "3", "replication factor of __transaction_state; it is not created until this many brokers are registered", Min: 1),
        new("transaction.state.log.min.isr", ConfigType.Int, "2", "min.insync.replicas of __transaction_state (capped at its replication factor)", Min: 1),
        new("transaction.max.timeout.ms", ConfigType.Int, "900000", "largest transaction.timeout.ms a producer may ask for", Min: 1),
        new("transactional.id.expiration.ms", ConfigType.Long, "604800000", "a transactional id without a transaction this long is forgotten", Min: 1),
        new("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.Long, "10000", "how often transactions past their timeout are looked for and aborted", Min: 1),
        new("transaction.partition.verification.enable", ConfigType.Boolean, "true", "a partition leader asks the coordinator before a transactional batch opens a transaction (KIP-890), so late or zombie writes cannot leave a hanging transaction"),
        new("transaction.remove.expired.transaction.cleanup.interval.ms", ConfigType.Long, "3600000", "how often expired transactional ids are looked for", Min: 1),

        // Security of the Kafka listener (README "Security"); read once at startup.
        new("kafka.listener.name", ConfigType.String, "PLAINTEXT", "name of the Kafka listener; its security protocol is its entry in listener.security.protocol.map"),
        new("listener.security.protocol.map", ConfigType.String, "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", "listener name to security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)"),
        new("ssl.keystore.type", ConfigType.String, "PEM", "format of the server certificate file (PEM only)", AllowedValues: s_keystoreTypes),
        new("ssl.keystore.location", ConfigType.String, "", "PEM file with the server certificate (first), its chain and its private key"),
        new("ssl.key.password", ConfigType.Password, "", "password of an encrypted PKCS#8 private key in ssl.keystore.location"),
        new("ssl.truststore.location", ConfigType.String, "", "PEM file of the CAs that client certificates must chain to"),
        new("ssl.client.auth", ConfigType.String, "none", "client certificates: none, requested (checked when sent) or required", AllowedValues: s_clientAuth),
        new("ssl.enabled.protocols", ConfigType.List, "TLSv1.2,TLSv1.3", "TLS versions the Kafka listener accepts", AllowedValues: s_tlsVersions),
        new("sasl.enabled.mechanisms", ConfigType.List, "PLAIN", "SASL mechanisms of SASL_PLAINTEXT/SASL_SSL listeners", AllowedValues: s_saslMechanisms),
        new("sasl.plain.users.file", ConfigType.String, "", "file of user=password lines for SASL/PLAIN and SCRAM (read at startup)"),
        new("sasl.server.max.receive.size", ConfigType.Int, "524288", "largest frame accepted before a SASL client has authenticated", Min: 1),
        // Kafka's Kerberos (GSSAPI) login settings. Fjord offers no GSSAPI, so they are stored and described with
        // Kafka's defaults and have no effect; they exist because Kafka accepts them on every broker, dynamically per
        // broker, and admin clients set them (librdkafka's 0081 AlterConfigs test alters min.time.before.relogin).
        new("sasl.kerberos.service.name", ConfigType.String, "", "Kerberos principal name Kafka runs as (no effect: Fjord has no GSSAPI)"),
        new("sasl.kerberos.kinit.cmd", ConfigType.String, "/usr/bin/kinit", "Kerberos kinit command path (no effect: Fjord has no GSSAPI)"),
        new("sasl.kerberos.ticket.renew.window.factor", ConfigType.Double, "0.8", "share of a ticket's lifetime after which it is renewed (no effect: Fjord has no GSSAPI)", Min: 0, Max: 1),
        new("sasl.kerberos.ticket.renew.jitter", ConfigType.Double, "0.05", "random jitter added to the renewal time (no effect: Fjord has no GSSAPI)", Min: 0, Max: 1),
        new("sasl.kerberos.min.time.before.relogin", ConfigType.Long, "60000", "login thread sleep time between refresh attempts (no effect: Fjord has no GSSAPI)"),
        new("sasl.kerberos.principal.to.local.rules", ConfigType.List, "DEFAULT", "rules mapping Kerberos principals to short names (no effect: Fjord has no GSSAPI)"),
        new("sasl.authentication.timeout.ms", ConfigType.Long, "10000", "Fjord: a SASL client that has not authenticated this long after connecting is disconnected", Min: 1),
        new("authorizer.class.name", ConfigType.String, "", "ACL authorizer: empty (none: every client may do everything) or Kafka's StandardAuthorizer class name", AllowedValues: s_authorizers),
        new("super.users", ConfigType.String, "", "principals that may do everything, e.g. User:admin;User:ops"),
        new("allow.everyone.if.no.acl.found", ConfigType.Boolean, "false", "allow what no ACL names a resource for (false: deny)"),
    ];

    private static readonly Dictionary<string, ConfigDefinition> s_byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>
    /// The broker configs that may change at runtime (KIP-226), cluster-wide (empty resource name) or per broker:
    /// those that only supply topic config defaults, Kafka's DynamicLogConfig set (every broker synonym of a topic
    /// config), and the replication throttle rates (Kafka's DynamicReplicationConfig; applied by
    /// ReplicationQuotaConfigPublisher). Node settings, listeners, group and controller settings are read once at
    /// startup, so Kafka and Fjord refuse them with INVALID_REQUEST ("Cannot update these configs dynamically").
    /// </summary>
    private static readonly FrozenSet<string> s_dynamic = TopicConfigDefinitions.All
        .Where(d => d.BrokerSynonym is not null).Select(d => d.BrokerSynonym!)
        .Concat(["leader.replication.throttled.rate", "follower.replication.throttled.rate"])
        .Concat(KerberosListenerConfigs)
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Kafka's listener settings that DynamicBrokerConfig lets change per broker only (its PerBrokerConfigs): a
    /// change for the whole cluster (empty resource name) is refused.
    /// </summary>
    private static readonly FrozenSet<string> s_perBrokerOnly = KerberosListenerConfigs.ToFrozenSet(StringComparer.Ordinal);

    private static string[] KerberosListenerConfigs =>
    [
        "sasl.kerberos.service.name", "sasl.kerberos.kinit.cmd", "sasl.kerberos.ticket.renew.window.factor",
        "sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.min.time.before.relogin", "sasl.kerberos.principal.to.local.rules",
    ];

    public static bool TryGet(string name, out ConfigDefinition definition) => s_byName.TryGetValue(name, out definition!);

    /// <summary>True when <paramref name="name"/> may be altered at runtime through a BROKER config resource.</summary>
    public static bool IsDynamic(string name) => s_dynamic.Contains(name);

    /// <summary>True when <paramref name="name"/> may be altered at runtime for one broker but not for the whole cluster.</summary>
    public static bool IsPerBrokerOnly(string name) => s_perBrokerOnly.Contains(name);
}
