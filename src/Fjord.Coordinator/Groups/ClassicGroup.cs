using Fjord.Coordinator.ConsumerOffsets;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// One classic group (Kafka's GroupMetadata): state, generation, chosen protocol, leader, members,
/// members that were given an id but have not rejoined yet (KIP-394), the rebalance timers, and the
/// group's committed offsets. Plain data with small invariant-keeping helpers; every decision lives in
/// <see cref="GroupCoordinator"/>. Not thread-safe; owned by the coordinator's event loop.
/// </summary>
public sealed class ClassicGroup
{
    private readonly Dictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _staticMembers = new(StringComparer.Ordinal);

    internal ClassicGroup(string groupId, int partition, long nowMs)
    {
        GroupId = groupId;
        Partition = partition;
        CurrentStateTimestampMs = nowMs;
    }

    public string GroupId { get; }

    /// <summary>The <c>__consumer_offsets</c> partition holding this group's records.</summary>
    public int Partition { get; }

    public GroupState State { get; private set; } = GroupState.Empty;

    /// <summary>When the group entered <see cref="State"/> (Unix ms); offsets of an empty group expire relative to it (KIP-211).</summary>
    public long CurrentStateTimestampMs { get; private set; }

    public int GenerationId { get; internal set; }

    /// <summary>"consumer" for consumer groups, "connect" for Connect workers, null for groups that only store offsets.</summary>
    public string? ProtocolType { get; internal set; }

    /// <summary>The protocol (assignor) chosen for the current generation; null when empty.</summary>
    public string? ProtocolName { get; internal set; }

    public string? LeaderId { get; internal set; }

    public IReadOnlyCollection<GroupMember> Members => _members.Values;

    public int MemberCount => _members.Count;

    /// <summary>Members told their id with MEMBER_ID_REQUIRED that have not joined with it yet, and when that offer lapses.</summary>
    internal Dictionary<string, long> PendingMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Members that got their JoinGroup response but have not sent SyncGroup yet.</summary>
    internal HashSet<string> PendingSyncMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Committed offsets by topic and partition; changed only by <see cref="GroupCoordinator.Replay"/>.</summary>
    internal Dictionary<(string Topic, int Partition), OffsetCommitValue> Offsets { get; } = [];

    /// <summary>
    /// Where each committed offset's record lies in the partition's log, as the coordinator's replay order (replay
    /// follows log order): a committed transaction's offset replaces a committed one only if written after it.
    /// </summary>
    internal Dictionary<(string Topic, int Partition), long> OffsetLogOrder { get; } = [];

    /// <summary>Topics the members subscribe to (consumer protocol only); null when unknown.</summary>
    public IReadOnlySet<string>? SubscribedTopics { get; internal set; }

    /// <summary>Set when a member joins a new group during its initial rebalance delay: the delay is extended.</summary>
    internal bool NewMemberAdded { get; set; }

    /// <summary>True while the first rebalance of a new group waits out <c>group.initial.rebalance.delay.ms</c>.</summary>
    internal bool InInitialDelay { get; set; }

    internal long InitialDelayRemainingMs { get; set; }

    internal long InitialDelayCurrentMs { get; set; }

    /// <summary>When the join phase ends whether or not everyone rejoined (-1: no timer).</summary>
    internal long JoinDeadlineMs { get; set; } = -1;

    /// <summary>When members that did not send SyncGroup are dropped (-1: no timer).</summary>
    internal long SyncDeadlineMs { get; set; } = -1;

    /// <summary>
    /// False for a group rebuilt from records at load and not touched since: a group metadata record
    /// replayed into it replaces its membership. Once a command runs on the group its in-memory
    /// membership is authoritative and records about it are snapshots of what it already holds.
    /// </summary>
    internal bool IsLive { get; set; }

    public bool HasOffsets => Offsets.Count > 0;

    public bool Has(string memberId) => _members.ContainsKey(memberId);

    public GroupMember? Get(string memberId) => _members.GetValueOrDefault(memberId);

    public bool IsLeader(string memberId) => LeaderId == memberId;

    /// <summary>The member id registered for a static member, or null.</summary>
    public string? StaticMemberId(string groupInstanceId) => _staticMembers.GetValueOrDefault(groupInstanceId);

    /// <summary>KIP-345: a request naming an instance id that is registered to another member id comes from a zombie.</summary>
    public bool IsStaticMemberFenced(string? groupInstanceId, string memberId) =>
        groupInstanceId is not null && _staticMembers.TryGetValue(groupInstanceId, out var registered) && registered != memberId;

    /// <summary>The largest rebalance timeout of the members: how long a join phase may last.</summary>
    public int RebalanceTimeoutMs
    {
        get
        {
            var max = 0;
            foreach (var member in _members.Values)
            {
                max = Math.Max(max, member.RebalanceTimeoutMs);
            }

            return max;
        }
    }

    public int AwaitingJoinCount
    {
        get
        {
            var count = 0;
            foreach (var member in _members.Values)
            {
                if (member.IsAwaitingJoin)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>The join phase may end: every member rejoined and no member id handed out is still outstanding.</summary>
    public bool HasAllMembersJoined => _members.Count == AwaitingJoinCount && PendingMembers.Count == 0;

    internal void TransitionTo(GroupState state, long nowMs)
    {
        State = state;
        CurrentStateTimestampMs = nowMs;
    }

    internal void Add(GroupMember member)
    {
        if (_members.Count == 0)
        {
            ProtocolType = member.ProtocolType;
        }

        _members.Add(member.MemberId, member);
        if (member.GroupInstanceId is { } instanceId)
        {
            _staticMembers[instanceId] = member.MemberId;
        }

        LeaderId ??= member.MemberId;
    }

    internal void Remove(string memberId)
    {
        if (!_members.Remove(memberId, out var member))
        {
            return;
        }

        if (member.GroupInstanceId is { } instanceId && _staticMembers.GetValueOrDefault(instanceId) == memberId)
        {
            _staticMembers.Remove(instanceId);
        }

        PendingSyncMembers.Remove(memberId);
        if (LeaderId == memberId)
        {
            LeaderId = null;
            foreach (var next in _members.Keys)
            {
                LeaderId = next;
                break;
            }
        }
    }

    /// <summary>KIP-345: the static member's new incarnation takes over the old one's place, assignment and leadership.</summary>
    internal GroupMember ReplaceStaticMember(string groupInstanceId, string oldMemberId, string newMemberId)
    {
        var member = _members[oldMemberId];
        _members.Remove(oldMemberId);
        member.MemberId = newMemberId;
        _members.Add(newMemberId, member);
        _staticMembers[groupInstanceId] = newMemberId;
        if (LeaderId == oldMemberId)
        {
            LeaderId = newMemberId;
        }

        if (PendingSyncMembers.Remove(oldMemberId))
        {
            PendingSyncMembers.Add(newMemberId);
        }

        return member;
    }

    /// <summary>Drops every member (replaying a group metadata record into a group that is not live).</summary>
    internal void ClearMembers()
    {
        _members.Clear();
        _staticMembers.Clear();
        PendingMembers.Clear();
        PendingSyncMembers.Clear();
        LeaderId = null;
    }

    /// <summary>Protocols every member supports: the candidates of protocol selection.</summary>
    internal HashSet<string> CandidateProtocols()
    {
        HashSet<string>? candidates = null;
        foreach (var member in _members.Values)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var protocol in member.Protocols)
            {
                names.Add(protocol.Name);
            }

            if (candidates is null)
            {
                candidates = names;
            }
            else
            {
                candidates.IntersectWith(names);
            }
        }

        return candidates ?? [];
    }

    /// <summary>
    /// Whether a member offering <paramref name="protocols"/> of <paramref name="protocolType"/> may join:
    /// an empty group takes anything non-empty; otherwise the type must match and at least one
    /// protocol must be supported by every current member.
    /// </summary>
    internal bool SupportsProtocols(string protocolType, IReadOnlyList<GroupProtocol> protocols)
    {
        if (protocolType.Length == 0 || protocols.Count == 0)
        {
            return false;
        }

        if (State == GroupState.Empty || _members.Count == 0)
        {
            return true;
        }

        if (ProtocolType != protocolType)
        {
            return false;
        }

        var candidates = CandidateProtocols();
        foreach (var protocol in protocols)
        {
            if (candidates.Contains(protocol.Name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The protocol with the most first-choice votes among the candidates (Kafka's selectProtocol).
    /// Ties go to the protocol the earliest member voted for, so the choice is deterministic.
    /// </summary>
    internal string SelectProtocol()
    {
        var candidates = CandidateProtocols();
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var member in _members.Values)
        {
            var vote = member.Vote(candidates);
            if (!votes.TryGetValue(vote, out var count))
            {
                order.Add(vote);
            }

            votes[vote] = count + 1;
        }

        var best = order[0];
        foreach (var protocol in order)
        {
            if (votes[protocol] > votes[best])
            {
                best = protocol;
            }
        }

        return best;
    }
}
