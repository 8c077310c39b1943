namespace Fjord.Raft;

// Single-server membership changes (dissertation §4.1): the new configuration takes effect when its
// entry commits, and the leader allows one uncommitted change at a time, so the majorities of the
// old and new configurations always overlap.
public sealed partial class RaftNode
{
    private void ApplyConfChange(ConfChange change)
    {
        var next = ConfState.Apply(change);
        if (ReferenceEquals(next, ConfState)) return;
        ConfState = next;
        if (Role != StateRole.Leader) return;

        foreach (var id in next.Voters) SyncProgress(id, learner: false);
        foreach (var id in next.Learners) SyncProgress(id, learner: true);
        List<ulong>? gone = null;
        foreach (var id in _progress.Keys)
            if (!next.IsMember(id)) (gone ??= []).Add(id);
        if (gone is not null) foreach (var id in gone) _progress.Remove(id);

        if (!next.IsVoter(Id))
        {
            // Removed (or demoted) leader: make sure followers hear the commit, then step down so the
            // remaining voters elect a leader among themselves (dissertation §4.2.2).
            BroadcastAppend();
            BecomeFollower(Term, 0);
            return;
        }
        if (LeadTransferee != 0 && !next.IsVoter(LeadTransferee)) LeadTransferee = 0;
        // Removing a voter can shrink the quorum so that more entries are committed now.
        if (MaybeCommit()) BroadcastAppend();
    }

    private void SyncProgress(ulong id, bool learner)
    {
        if (_progress.TryGetValue(id, out var pr)) pr.IsLearner = learner;
        else AddProgress(id, learner);
    }
}
