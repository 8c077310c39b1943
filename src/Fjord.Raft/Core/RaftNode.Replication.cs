namespace Fjord.Raft;

// Log replication (§5.3), the commit rule (§5.4.2) and the leader's and follower's message handling.
public sealed partial class RaftNode
{
    private ulong _pendingConfIndex;

    private bool StepLeader(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Beat:
                BroadcastHeartbeat();
                return true;
            case MessageType.CheckQuorum:
                if (!QuorumActive()) BecomeFollower(Term, 0);
                return true;
            case MessageType.Propose:
                return LeaderPropose(m);
            case MessageType.ReadIndex:
                LeaderReadIndex(m);
                return true;
            case MessageType.TransferLeader:
                HandleTransferLeader(m);
                return true;
        }

        if (!_progress.TryGetValue(m.From, out var pr)) return false;
        switch (m.Type)
        {
            case MessageType.AppendResponse:
                pr.RecentActive = true;
                HandleAppendResponse(m, pr);
                return true;
            case MessageType.HeartbeatResponse:
                pr.RecentActive = true;
                pr.ProbeSent = false;
                // Nothing came back for the whole window: presume the oldest append lost so the
                // follower is probed again instead of waiting forever.
                if (pr.State == ProgressState.Replicate && pr.Inflights.IsFull) pr.Inflights.FreeFirst();
                if (pr.State == ProgressState.Snapshot) SendSnapshotChunk(m.From, pr);
                else if (pr.Match < _log.LastIndex) SendAppend(m.From, sendIfEmpty: true);
                if (m.Context is { } ctx) HandleReadIndexAck(m.From, ctx);
                return true;
            case MessageType.SnapshotResponse:
                pr.RecentActive = true;
                if (pr.State == ProgressState.Snapshot && pr.PendingSnapshot is { } s && s.Metadata.Index == m.Index)
                {
                    pr.SnapshotOffset = (long)m.RejectHint;
                    SendSnapshotChunk(m.From, pr);
                }
                return true;
            default:
                return false;
        }
    }

    private bool LeaderPropose(Message m)
    {
        if (m.Entries.Length == 0) throw new InvalidOperationException("empty proposal");
        // §3.10: a leader handing over stops taking proposals, or the transfer might never catch up.
        if (LeadTransferee != 0) return false;
        if (!ConfState.IsVoter(Id)) return false;
        var entries = m.Entries;
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Type != EntryType.ConfChange) continue;
            var refuse = _pendingConfIndex > _log.Committed || !ConfState.CanApply(ConfChange.Decode(entries[i].Data.Span));
            if (refuse)
            {
                if (m.From == Id && entries.Length == 1) return false;
                // Forwarded: keep the batch's shape but neutralise the change.
                if (ReferenceEquals(entries, m.Entries)) entries = (Entry[])entries.Clone();
                entries[i] = new Entry(0, 0, EntryType.Normal, default);
            }
            else
            {
                _pendingConfIndex = _log.LastIndex + (ulong)i + 1;
            }
        }
        AppendEntries(entries);
        BroadcastAppend();
        return true;
    }

    private void AppendEntries(Entry[] entries)
    {
        var last = _log.LastIndex;
        var stamped = new Entry[entries.Length];
        for (var i = 0; i < entries.Length; i++)
            stamped[i] = entries[i] with { Term = Term, Index = last + 1 + (ulong)i };
        _log.Append(stamped);
        // The leader counts itself at append time; nothing is acknowledged to anyone before the
        // Ready carrying these entries is persisted, so this is safe.
        _progress[Id].MaybeUpdate(_log.LastIndex);
        MaybeCommit();
    }

    private void HandleAppendResponse(Message m, Progress pr)
    {
        if (m.Reject)
        {
            // §5.3 optimisation: the follower says where its log may match; skip a whole term at a time.
            var next = m.RejectHint;
            if (m.LogTerm > 0) next = _log.FindConflictByTerm(m.RejectHint, m.LogTerm);
            if (pr.MaybeDecrTo(m.Index, next))
            {
                if (pr.State == ProgressState.Replicate) pr.BecomeProbe();
                SendAppend(m.From, sendIfEmpty: true);
            }
            return;
        }

        var wasPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index)) return;
        switch (pr.State)
        {
            case ProgressState.Probe:
                pr.BecomeReplicate();
                break;
            case ProgressState.Snapshot:
                if (pr.PendingSnapshot is null || pr.Match >= pr.PendingSnapshot.Metadata.Index)
                {
                    pr.BecomeProbe();
                    pr.BecomeReplicate();
                }
                break;
            case ProgressState.Replicate:
                pr.Inflights.FreeLessOrEqual(m.Index);
                break;
        }
        if (MaybeCommit()) BroadcastAppend();
        else if (wasPaused) SendAppend(m.From, sendIfEmpty: true);
        // Keep the pipe full while the window allows.
        while (_progress.TryGetValue(m.From, out var p) && p == pr && SendAppend(m.From, sendIfEmpty: false)) { }
        if (m.From == LeadTransferee && pr.Match == _log.LastIndex) SendTimeoutNow(m.From);
    }

    /// <summary>
    /// Advances the commit index to the highest index replicated on a quorum of voters — but only when
    /// that entry is from the current term (§5.4.2, Figure 8): entries of earlier terms are committed
    /// indirectly, by committing one of ours after them.
    /// </summary>
    private bool MaybeCommit()
    {
        var voters = ConfState.Voters;
        if (voters.Count == 0 || Role != StateRole.Leader) return false;
        Span<ulong> matches = voters.Count <= 16 ? stackalloc ulong[voters.Count] : new ulong[voters.Count];
        for (var i = 0; i < voters.Count; i++)
            matches[i] = _progress.TryGetValue(voters[i], out var pr) ? pr.Match : 0;
        matches.Sort();
        var quorumIndex = matches[voters.Count - (voters.Count / 2 + 1)];
        if (quorumIndex <= _log.Committed) return false;
        if (_log.Term(quorumIndex) != Term && !_config.PlantFigure8CommitBug) return false;
        AdvanceCommit(quorumIndex);
        return true;
    }

    /// <summary>Raises the commit index; membership changes in the newly committed range take effect.</summary>
    private void AdvanceCommit(ulong index)
    {
        var from = _log.Committed;
        if (index <= from) return;
        _log.CommitTo(index);
        var scratch = _scratch;
        scratch.Clear();
        if (!_log.TryGetEntries(from + 1, index + 1, int.MaxValue, long.MaxValue, scratch))
            throw new InvalidOperationException($"newly committed entries from {from + 1} are compacted");
        List<ConfChange>? changes = null;
        foreach (var e in scratch)
            if (e.Type == EntryType.ConfChange) (changes ??= []).Add(ConfChange.Decode(e.Data.Span));
        scratch.Clear();
        if (changes is not null)
            foreach (var cc in changes) ApplyConfChange(cc);
        if (Role == StateRole.Leader && _pendingReadIndexMessages.Count > 0 && _log.Term(_log.Committed) == Term)
            ReleasePendingReadIndexMessages();
    }

    private bool StepFollower(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Propose:
                if (LeaderId == 0) return false;
                Send(m with { To = LeaderId, From = m.From == 0 ? Id : m.From });
                return true;
            case MessageType.Append:
                _electionElapsed = 0;
                LeaderId = m.From;
                HandleAppend(m);
                return true;
            case MessageType.Heartbeat:
                _electionElapsed = 0;
                LeaderId = m.From;
                HandleHeartbeat(m);
                return true;
            case MessageType.Snapshot:
                _electionElapsed = 0;
                LeaderId = m.From;
                HandleSnapshot(m);
                return true;
            case MessageType.TransferLeader:
                if (LeaderId == 0) return false;
                Send(m with { To = LeaderId });
                return true;
            case MessageType.TimeoutNow:
                // Leadership transfer: campaign at once, skipping pre-vote (dissertation §3.10).
                Hup(transfer: true);
                return true;
            case MessageType.ReadIndex:
                if (LeaderId == 0) return false;
                Send(m with { To = LeaderId });
                return true;
            case MessageType.ReadIndexResponse:
                _readStates.Add(new ReadState(m.Index, m.Context ?? []));
                return true;
            default:
                return false;
        }
    }

    private void HandleAppend(Message m)
    {
        if (m.Index < _log.Committed)
        {
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = _log.Committed });
            return;
        }
        if (_log.MaybeAppend(m.Index, m.LogTerm, m.Entries) is { } lastNew)
        {
            AdvanceCommit(Math.Min(m.Commit, lastNew));
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = lastNew });
            return;
        }
        // Reject with a hint: the last index ≤ the probed one whose term is ≤ the leader's term there.
        var hintIndex = _log.FindConflictByTerm(Math.Min(m.Index, _log.LastIndex), m.LogTerm);
        Send(new Message
        {
            Type = MessageType.AppendResponse,
            To = m.From,
            Index = m.Index,
            Reject = true,
            RejectHint = hintIndex,
            LogTerm = _log.Term(hintIndex),
        });
    }

    private void HandleHeartbeat(Message m)
    {
        AdvanceCommit(m.Commit);
        Send(new Message { Type = MessageType.HeartbeatResponse, To = m.From, Context = m.Context });
    }

    private void BroadcastAppend()
    {
        if (Role != StateRole.Leader) return;
        foreach (var id in ConfState.Voters) if (id != Id) SendAppend(id, sendIfEmpty: true);
        foreach (var id in ConfState.Learners) if (id != Id) SendAppend(id, sendIfEmpty: true);
    }

    private void BroadcastHeartbeat()
    {
        var ctx = _readIndexQueue.LastContext;
        foreach (var (id, pr) in _progress)
        {
            if (id == Id) continue;
            // Never tell a follower a commit index beyond what it is known to hold.
            Send(new Message
            {
                Type = MessageType.Heartbeat,
                To = id,
                Commit = Math.Min(pr.Match, _log.Committed),
                Context = ctx,
            });
        }
    }

    /// <summary>Sends the next append to <paramref name="to"/>, or a snapshot when its entries are compacted.</summary>
    private bool SendAppend(ulong to, bool sendIfEmpty)
    {
        if (Role != StateRole.Leader || !_progress.TryGetValue(to, out var pr) || pr.IsPaused) return false;
        var prevIndex = pr.Next - 1;
        if (!_log.TryGetTerm(prevIndex, out var prevTerm)) return StartSnapshot(to, pr);
        var entries = _scratch;
        entries.Clear();
        if (!_log.TryGetEntries(pr.Next, _log.LastIndex + 1, _config.MaxEntriesPerMessage, _config.MaxBytesPerMessage, entries))
            return StartSnapshot(to, pr);
        if (entries.Count == 0 && !sendIfEmpty) return false;
        var batch = entries.Count == 0 ? [] : entries.ToArray();
        entries.Clear();
        Send(new Message
        {
            Type = MessageType.Append,
            To = to,
            Index = prevIndex,
            LogTerm = prevTerm,
            Entries = batch,
            Commit = _log.Committed,
        });
        if (pr.State == ProgressState.Replicate && batch.Length > 0)
        {
            var last = batch[^1].Index;
            pr.Next = last + 1;
            pr.Inflights.Add(last);
        }
        else if (pr.State == ProgressState.Probe)
        {
            pr.ProbeSent = true;
        }
        return true;
    }
}
