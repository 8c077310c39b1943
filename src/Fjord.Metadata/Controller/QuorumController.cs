using System.Collections.Immutable;
using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// The active controller's decisions (KIP-500, KIP-631; Kafka's QuorumController): broker liveness,
/// replica placement, leader election, topic and config changes, reassignments and producer-id blocks.
/// A pure class: every command reads <see cref="Image"/> and returns a <see cref="ControllerResult{T}"/>
/// of records and a response without changing anything; the caller appends the records to the metadata
/// log and then calls <see cref="Replay"/>, the only path that changes <see cref="Image"/>. Time comes
/// from the injected <see cref="TimeProvider"/> and randomness (topic ids) from the injected
/// <see cref="Random"/>, so a seeded simulation replays exactly. The one state outside records is the
/// brokers' sessions (<see cref="BrokerSessions"/>, Kafka's BrokerHeartbeatManager), which are soft state: a newly
/// active controller gives every broker a fresh session.
/// <para>
/// Lifecycle: inactive until <see cref="Activate"/> with the committed image, once this node leads the
/// metadata log and has applied everything up to its own term's first entry (so no earlier entry can
/// commit behind its back). <see cref="Image"/> is then the committed image plus the records this
/// controller wrote and replayed but that may not be committed yet. When leadership is lost or a
/// proposal is refused, call <see cref="Deactivate"/>: the uncommitted view is dropped and rebuilt from
/// the committed image at the next activation.
/// </para>
/// Not thread-safe: owned by the controller's single event loop (commands, ticks and replays in one queue).
/// </summary>
public sealed partial class QuorumController
{
    private readonly QuorumControllerOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly IConfigValidator _configValidator;
    private readonly BrokerSessions _sessions;
    private long _lastImbalanceCheck;

    /// <summary>Creates an inactive controller.</summary>
    public QuorumController(QuorumControllerOptions options, TimeProvider time, Random random, IConfigValidator? configValidator = null)
    {
        _options = options;
        _time = time;
        _random = random;
        _configValidator = configValidator ?? BasicConfigValidator.Instance;
        _sessions = new BrokerSessions(time, options.BrokerSessionTimeout);
    }

    /// <summary>True between <see cref="Activate"/> and <see cref="Deactivate"/>.</summary>
    public bool IsActive { get; private set; }

    /// <summary>The committed image plus this controller's own uncommitted records.</summary>
    public MetadataImage Image { get; private set; } = MetadataImage.Empty;

    /// <summary>Options in force.</summary>
    public QuorumControllerOptions Options => _options;

    /// <summary>Becomes the active controller over <paramref name="committed"/>; every registered broker starts a fresh session.</summary>
    public void Activate(MetadataImage committed)
    {
        Image = committed;
        IsActive = true;
        _sessions.Start(Image.Brokers.Keys);
        _lastImbalanceCheck = _time.GetTimestamp();
    }

    /// <summary>
    /// This controller itself could not run for <paramref name="stoodStill"/> (paused, starved): heartbeats that
    /// arrived meanwhile are still queued, so that time does not count against any broker's session. A broker
    /// silent while the controller runs still runs out of session (<see cref="BrokerSessions"/>).
    /// </summary>
    public void RenewSessions(TimeSpan stoodStill) => _sessions.Credit(stoodStill);

    /// <summary>Stops acting; the uncommitted view is discarded.</summary>
    public void Deactivate()
    {
        IsActive = false;
        _sessions.Clear();
    }

    /// <summary>Replays records this controller appended to the log (the one mutation path).</summary>
    public void Replay(IEnumerable<MetadataRecord> records) => Image = Image.With(records);

    private void EnsureActive()
    {
        if (!IsActive) throw new InvalidOperationException("the controller is not active; answer NOT_CONTROLLER instead of calling it");
    }

    private void Touch(int brokerId) => _sessions.Touch(brokerId);

    private bool SessionExpired(int brokerId) => _sessions.Expired(brokerId);

    private static bool IsEligible(MetadataImage image, int brokerId) =>
        image.Brokers.TryGetValue(brokerId, out var b) && b.IsEligibleReplica;

    private static IEnumerable<BrokerRegistration> UsableBrokers(MetadataImage image) =>
        image.Brokers.Values.Where(b => b.IsEligibleReplica);

    private bool UncleanAllowed(MetadataImage image, string topic)
    {
        var value = image.GetConfig(ConfigResource.Topic(topic), ConfigNames.UncleanLeaderElectionEnable)
                    ?? image.GetConfig(ConfigResource.ClusterDefault, ConfigNames.UncleanLeaderElectionEnable);
        return value is null ? _options.UncleanLeaderElectionEnable : bool.TryParse(value, out var b) && b;
    }

    private PartitionChangeBuilder ChangeBuilder(ControllerRecordBuilder builder, Guid topicId, int partition)
    {
        var image = builder.Image;
        var topic = image.TopicsById[topicId];
        return new PartitionChangeBuilder(topic.Partitions[partition], topicId, partition,
            id => IsEligible(builder.Image, id), UncleanAllowed(image, topic.Name));
    }

    /// <summary>
    /// Takes <paramref name="brokerId"/> out of every ISR and leadership (fenced, shutting down or gone). The
    /// last ISR member stays in the ISR with no leader, so the partition can come back with it (KIP-841) — unless
    /// <paramref name="keepLastIsrMember"/> is false: its data is gone (KIP-903).
    /// </summary>
    private void MoveReplicasOff(ControllerRecordBuilder builder, int brokerId, bool keepLastIsrMember = true)
    {
        var image = builder.Image;
        foreach (var topic in image.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.Leader != brokerId && !p.Isr.Contains(brokerId)) continue;
                var cb = ChangeBuilder(builder, topic.Id, index);
                var isr = p.Isr.Remove(brokerId);
                cb.TargetIsr = isr.IsEmpty && keepLastIsrMember ? p.Isr : isr;
                builder.Add(cb.Build());
            }
    }

    /// <summary>Elects leaders for leaderless partitions that now have an eligible ISR member (or may elect uncleanly).</summary>
    private void ElectLeaderless(ControllerRecordBuilder builder, int? onlyWithReplica = null)
    {
        var image = builder.Image;
        foreach (var topic in image.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.HasLeader && IsEligible(image, p.Leader)) continue;
                if (onlyWithReplica is { } r && !p.Replicas.Contains(r)) continue;
                builder.Add(ChangeBuilder(builder, topic.Id, index).Build());
            }
    }

    private static ImmutableArray<int> Intersect(ImmutableArray<int> a, IEnumerable<int> b) => [.. a.Where(b.Contains)];
}
