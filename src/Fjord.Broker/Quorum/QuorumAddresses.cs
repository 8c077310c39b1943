using System.Collections.Immutable;
using Fjord.Broker.Configuration;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// Node id → rpc address of every member of the metadata quorum: the bootstrap voters from <c>--voters</c>, and the
/// nodes that joined as learners from the <c>AddLearner</c> membership entries of the metadata log (their Raft
/// <see cref="Raft.ConfChange.Context"/>); a learner promoted to voter keeps its entry here. Keeping learner addresses in the log means a newly elected leader
/// can replicate to learners that joined under an earlier leader, and a restarted node learns them by
/// replaying the log; <see cref="AddressRecordingStateMachine"/> feeds this book and carries it through
/// snapshots. Thread-safe: writers (the Raft loop) swap an immutable map; readers see one version.
/// </summary>
public sealed class QuorumAddresses(ClusterVoters voters)
{
    private ImmutableDictionary<int, HostPort> _learners = ImmutableDictionary<int, HostPort>.Empty;
    private ImmutableDictionary<int, HostPort> _hinted = ImmutableDictionary<int, HostPort>.Empty;

    /// <summary>The learners known from the log, node id → rpc address.</summary>
    public ImmutableDictionary<int, HostPort> Learners => Volatile.Read(ref _learners);

    /// <summary>The rpc address of a voter or learner (or a hinted leader); false when the node is none of them.</summary>
    public bool TryGet(int nodeId, out HostPort address) =>
        voters.Voters.TryGetValue(nodeId, out address) || Learners.TryGetValue(nodeId, out address)
        || Volatile.Read(ref _hinted).TryGetValue(nodeId, out address);

    /// <summary>
    /// Records the address another member gave for the leader of a quorum this node is joining. The leader may be a
    /// node that joined after the bootstrap voters; the joining node learns its address from the log only once it
    /// has the entries that leader sends, and it can answer those appends only if it can dial the leader. The log's
    /// own addresses take precedence.
    /// </summary>
    internal void LeaderHinted(int nodeId, HostPort address) => ImmutableInterlocked.AddOrUpdate(ref _hinted, nodeId, address, (_, _) => address);

    internal void LearnerAdded(int nodeId, HostPort address) => Volatile.Write(ref _learners, Learners.SetItem(nodeId, address));

    internal void LearnerRemoved(int nodeId) => Volatile.Write(ref _learners, Learners.Remove(nodeId));

    internal void Replace(ImmutableDictionary<int, HostPort> learners) => Volatile.Write(ref _learners, learners);
}
