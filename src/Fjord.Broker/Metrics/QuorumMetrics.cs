using System.Diagnostics.Metrics;
using Fjord.Raft;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Metrics;

/// <summary>
/// The metadata quorum and controller instruments (Kafka's <c>raft-metrics</c> and
/// <c>kafka.controller:type=KafkaController</c>): Raft term, commit index, applied index and leader id;
/// append latency (proposed → persisted in the leader's log) and commit latency (proposed → committed and
/// applied on the leader); the controller event loop's queue time (enqueued → run); whether this node is
/// the active controller; registered and fenced brokers of the committed metadata image (the same on every
/// node, so dashboards take the max).
/// <para>
/// The composition root calls <see cref="Attach"/> once at start, on every node (a one-voter quorum too). Thread-safe: gauges are read on the scrape thread from immutable images and volatile fields;
/// histograms are recorded from the Raft loop and the controller loop, one sample per proposal or event.
/// </para>
/// </summary>
public sealed class QuorumMetrics : IRaftProposalObserver
{
    /// <summary>Seconds: 100 µs … 10 s — an fsync on a busy disk to a quorum that lost its leader.</summary>
    private static readonly double[] s_secondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _appendLatency;
    private readonly Histogram<double> _commitLatency;
    private readonly Histogram<double> _controllerQueueTime;
    private volatile Attachment? _attachment;

    private sealed record Attachment(MetadataQuorum Quorum, ControllerHost Controller);

    public QuorumMetrics(BrokerMetrics metrics)
    {
        var meter = metrics.Meter;
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets };
        _appendLatency = meter.CreateHistogram("fjord_raft_append_latency", unit: "s",
            description: "Metadata proposals on the Raft leader: time from proposal until the entry is persisted in the leader's log (fsync included).",
            tags: null, advice: seconds);
        _commitLatency = meter.CreateHistogram("fjord_raft_commit_latency", unit: "s",
            description: "Metadata proposals on the Raft leader: time from proposal until a quorum stored the entry and the leader applied it (Kafka's commit-latency).",
            tags: null, advice: seconds);
        _controllerQueueTime = meter.CreateHistogram("fjord_controller_event_queue_time", unit: "s",
            description: "Time a controller event (command, tick, activation) waited in the controller loop's queue before it ran (Kafka's EventQueueTimeMs).",
            tags: null, advice: seconds);

        meter.CreateObservableGauge("fjord_active_controller", () => _attachment is { } a ? (a.Controller.IsActive ? 1 : 0) : 1, unit: "{controller}",
            description: "1 when this node is the active controller (Kafka's ActiveControllerCount); summed over brokers it must be 1.");
        meter.CreateObservableGauge("fjord_registered_brokers", () => _attachment is { } a ? a.Quorum.StateMachine.Image.Brokers.Count : 1, unit: "{broker}",
            description: "Brokers registered in the committed metadata image (Kafka's ActiveBrokerCount plus FencedBrokerCount).");
        meter.CreateObservableGauge("fjord_fenced_brokers", () => _attachment is { } a ? FencedBrokers(a.Quorum) : 0, unit: "{broker}",
            description: "Registered brokers the controller has fenced, in the committed metadata image (Kafka's FencedBrokerCount).");
        meter.CreateObservableGauge("fjord_raft_term", () => Raft(s => (long)s.Term), unit: "{term}",
            description: "The metadata quorum's current Raft term as this node knows it (Kafka's current-epoch).");
        meter.CreateObservableGauge("fjord_raft_commit_index", () => Raft(s => (long)s.CommitIndex), unit: "{entry}",
            description: "Highest metadata log index this node knows committed (Kafka's high-watermark of the metadata log).");
        meter.CreateObservableGauge("fjord_raft_applied_index", () => Raft(s => (long)s.AppliedIndex), unit: "{entry}",
            description: "Highest metadata log index applied to this node's metadata image (Kafka's last-applied-record-offset).");
        meter.CreateObservableGauge("fjord_raft_leader_id", () => Raft(s => ClusterVoters.NodeId(s.LeaderId)), unit: "{node}",
            description: "Node id of the metadata quorum's leader, the active controller, as this node knows it; -1 when unknown (Kafka's current-leader).");
    }

    /// <summary>Report the quorum and controller of this node. Call once, before the first scrape.</summary>
    public void Attach(MetadataQuorum quorum, ControllerHost controller) => _attachment = new Attachment(quorum, controller);

    /// <inheritdoc/>
    public void ProposalAppended(TimeSpan sinceProposed) => _appendLatency.Record(sinceProposed.TotalSeconds);

    /// <inheritdoc/>
    public void ProposalCommitted(TimeSpan sinceProposed) => _commitLatency.Record(sinceProposed.TotalSeconds);

    /// <summary>A controller event started running after waiting <paramref name="queued"/>.</summary>
    public void ControllerEventStarted(TimeSpan queued) => _controllerQueueTime.Record(queued.TotalSeconds);

    private IEnumerable<Measurement<long>> Raft(Func<RaftStatus, long> value) =>
        _attachment is { } a ? [new Measurement<long>(value(a.Quorum.Driver.Status))] : [];

    private static int FencedBrokers(MetadataQuorum quorum)
    {
        var fenced = 0;
        foreach (var broker in quorum.StateMachine.Image.Brokers.Values) if (broker.Fenced) fenced++;
        return fenced;
    }
}
