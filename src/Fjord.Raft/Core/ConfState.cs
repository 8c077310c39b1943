namespace Fjord.Raft;

/// <summary>
/// The membership of the group: voters decide elections and commits, learners only replicate.
/// Immutable; safe on any thread. <see cref="Apply"/> is the single rule for membership changes,
/// shared by the core (at commit) and the application (at apply) so both agree.
/// </summary>
public sealed class ConfState : IEquatable<ConfState>
{
    /// <summary>No members: the state of a node that is yet to learn its configuration.</summary>
    public static readonly ConfState Empty = new([], []);

    /// <summary>Sorted voter ids.</summary>
    public IReadOnlyList<ulong> Voters { get; }

    /// <summary>Sorted learner ids; never overlaps <see cref="Voters"/>.</summary>
    public IReadOnlyList<ulong> Learners { get; }

    /// <summary>Creates a membership; ids are de-duplicated and sorted.</summary>
    public ConfState(IEnumerable<ulong> voters, IEnumerable<ulong> learners)
    {
        var v = new SortedSet<ulong>(voters);
        var l = new SortedSet<ulong>(learners);
        l.ExceptWith(v);
        Voters = [.. v];
        Learners = [.. l];
    }

    /// <summary>A voters-only membership.</summary>
    public static ConfState OfVoters(params ulong[] voters) => new(voters, []);

    /// <summary>True when <paramref name="id"/> votes.</summary>
    public bool IsVoter(ulong id) => Contains(Voters, id);

    /// <summary>True when <paramref name="id"/> is a learner.</summary>
    public bool IsLearner(ulong id) => Contains(Learners, id);

    /// <summary>True when <paramref name="id"/> is a voter or learner.</summary>
    public bool IsMember(ulong id) => IsVoter(id) || IsLearner(id);

    /// <summary>
    /// Whether <paramref name="change"/> is meaningful here. Invalid changes (promoting a non-learner,
    /// removing or demoting the last voter) are applied as no-ops, so a bad proposal cannot wedge the group.
    /// </summary>
    public bool CanApply(ConfChange change) => change.Type switch
    {
        ConfChangeType.AddVoter => !IsVoter(change.NodeId),
        ConfChangeType.RemoveVoter or ConfChangeType.DemoteVoter => IsVoter(change.NodeId) && Voters.Count > 1,
        ConfChangeType.AddLearner => !IsMember(change.NodeId),
        ConfChangeType.RemoveLearner => IsLearner(change.NodeId),
        ConfChangeType.PromoteLearner => IsLearner(change.NodeId),
        _ => false,
    };

    /// <summary>The membership after <paramref name="change"/>; this instance when the change is a no-op.</summary>
    public ConfState Apply(ConfChange change)
    {
        if (!CanApply(change)) return this;
        var id = change.NodeId;
        return change.Type switch
        {
            ConfChangeType.AddVoter or ConfChangeType.PromoteLearner =>
                new ConfState(Voters.Append(id), Learners.Where(x => x != id)),
            ConfChangeType.RemoveVoter => new ConfState(Voters.Where(x => x != id), Learners),
            ConfChangeType.DemoteVoter => new ConfState(Voters.Where(x => x != id), Learners.Append(id)),
            ConfChangeType.AddLearner => new ConfState(Voters, Learners.Append(id)),
            ConfChangeType.RemoveLearner => new ConfState(Voters, Learners.Where(x => x != id)),
            _ => this,
        };
    }

    private static bool Contains(IReadOnlyList<ulong> ids, ulong id)
    {
        for (var i = 0; i < ids.Count; i++) if (ids[i] == id) return true;
        return false;
    }

    /// <inheritdoc/>
    public bool Equals(ConfState? other) =>
        other is not null && Voters.SequenceEqual(other.Voters) && Learners.SequenceEqual(other.Learners);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ConfState);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Voters.Count, Learners.Count, Voters.Count > 0 ? Voters[0] : 0);

    /// <inheritdoc/>
    public override string ToString() =>
        $"voters=({string.Join(",", Voters)})" + (Learners.Count > 0 ? $" learners=({string.Join(",", Learners)})" : "");
}
