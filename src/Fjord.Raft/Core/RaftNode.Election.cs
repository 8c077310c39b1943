namespace Fjord.Raft;

// Leader election (§5.2), pre-vote (dissertation §9.6), check-quorum (dissertation §6.2) and
// leadership transfer (dissertation §3.10).
public sealed partial class RaftNode
{
    private void TickElection()
    {
        _electionElapsed++;
        if (IsPromotable && _electionElapsed >= _randomizedElectionTimeout)
        {
            _electionElapsed = 0;
            StepCore(new Message { Type = MessageType.Hup, From = Id });
        }
    }

    private void TickHeartbeat()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _config.ElectionTick)
        {
            _electionElapsed = 0;
            if (_config.CheckQuorum) StepCore(new Message { Type = MessageType.CheckQuorum, From = Id });
            // A transfer that did not finish within an election timeout is abandoned so the
            // leader accepts proposals again (dissertation §3.10).
            if (Role == StateRole.Leader && LeadTransferee != 0) LeadTransferee = 0;
        }
        if (Role != StateRole.Leader) return;
        if (_heartbeatElapsed >= _config.HeartbeatTick)
        {
            _heartbeatElapsed = 0;
            StepCore(new Message { Type = MessageType.Beat, From = Id });
        }
    }

    private void BecomeFollower(ulong term, ulong leader)
    {
        Reset(term);
        LeaderId = leader;
        Role = StateRole.Follower;
    }

    private void BecomePreCandidate()
    {
        if (Role == StateRole.Leader) throw new InvalidOperationException("leader cannot become pre-candidate");
        // Pre-vote changes neither term nor vote: a node that cannot win leaves no trace (§9.6).
        _votes.Clear();
        LeaderId = 0;
        Role = StateRole.PreCandidate;
    }

    private void BecomeCandidate()
    {
        if (Role == StateRole.Leader) throw new InvalidOperationException("leader cannot become candidate");
        Reset(Term + 1);
        Vote = Id;
        Role = StateRole.Candidate;
    }

    private void BecomeLeader()
    {
        if (Role == StateRole.Follower) throw new InvalidOperationException("follower cannot become leader");
        Reset(Term);
        LeaderId = Id;
        Role = StateRole.Leader;
        // No membership change until this term's first entry commits: with single-server changes a
        // new leader could otherwise overlap an uncommitted change of the old one (dissertation errata).
        _pendingConfIndex = _log.LastIndex;
        // §8: a no-op entry of the new term lets the leader learn (and commit) what is committed.
        AppendEntries([new Entry(0, 0, EntryType.Normal, default)]);
    }

    private void Hup(bool transfer)
    {
        if (Role == StateRole.Leader || !IsPromotable) return;
        if (_config.PreVote && !transfer) Campaign(MessageType.PreVote, transfer: false);
        else Campaign(MessageType.Vote, transfer);
    }

    private void Campaign(MessageType voteType, bool transfer)
    {
        ulong term;
        if (voteType == MessageType.PreVote)
        {
            BecomePreCandidate();
            term = Term + 1;
        }
        else
        {
            BecomeCandidate();
            term = Term;
        }
        if (Poll(Id, granted: true) == VoteResult.Won)
        {
            // A single voter wins at once.
            if (voteType == MessageType.PreVote) Campaign(MessageType.Vote, transfer);
            else BecomeLeader();
            return;
        }
        foreach (var voter in ConfState.Voters)
        {
            if (voter == Id) continue;
            Send(new Message
            {
                Type = voteType,
                To = voter,
                Term = term,
                Index = _log.LastIndex,
                LogTerm = _log.LastTerm,
                Context = transfer ? TransferContext : null,
            });
        }
    }

    private enum VoteResult { Pending, Won, Lost }

    private VoteResult Poll(ulong from, bool granted)
    {
        _votes.TryAdd(from, granted);
        int yes = 0, no = 0;
        foreach (var voter in ConfState.Voters)
        {
            if (!_votes.TryGetValue(voter, out var v)) continue;
            if (v) yes++; else no++;
        }
        var quorum = ConfState.Voters.Count / 2 + 1;
        if (yes >= quorum) return VoteResult.Won;
        if (ConfState.Voters.Count - no < quorum) return VoteResult.Lost;
        return VoteResult.Pending;
    }

    private void HandleVoteRequest(Message m)
    {
        var responseType = m.Type == MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
        // §5.2: one vote per term, first come first served; a pre-vote for a later term is free.
        var canVote = Vote == m.From
                      || (Vote == 0 && LeaderId == 0)
                      || (m.Type == MessageType.PreVote && m.Term > Term);
        // §5.4.1: only for a candidate whose log is at least as up-to-date as ours.
        if (canVote && _log.IsUpToDate(m.Index, m.LogTerm))
        {
            Send(new Message { Type = responseType, To = m.From, Term = m.Term });
            if (m.Type == MessageType.Vote)
            {
                _electionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Send(new Message { Type = responseType, To = m.From, Term = Term, Reject = true });
        }
    }

    private bool StepCandidate(Message m)
    {
        var myResponse = Role == StateRole.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        switch (m.Type)
        {
            case MessageType.Propose:
                return false; // no leader to take it
            case MessageType.Append:
                BecomeFollower(m.Term, m.From);
                HandleAppend(m);
                return true;
            case MessageType.Heartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                return true;
            case MessageType.Snapshot:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                return true;
            case MessageType.VoteResponse:
            case MessageType.PreVoteResponse:
                if (m.Type != myResponse) return false;
                switch (Poll(m.From, !m.Reject))
                {
                    case VoteResult.Won:
                        if (Role == StateRole.PreCandidate) Campaign(MessageType.Vote, transfer: false);
                        else
                        {
                            BecomeLeader();
                            BroadcastAppend();
                        }
                        break;
                    case VoteResult.Lost:
                        BecomeFollower(Term, 0);
                        break;
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>Counts voters heard from since the last check, then starts a new round.</summary>
    private bool QuorumActive()
    {
        var active = 0;
        foreach (var voter in ConfState.Voters)
        {
            if (voter == Id) { active++; continue; }
            if (_progress.TryGetValue(voter, out var pr) && pr.RecentActive) active++;
        }
        foreach (var (id, pr) in _progress)
            if (id != Id) pr.RecentActive = false;
        return active >= ConfState.Voters.Count / 2 + 1;
    }

    private void HandleTransferLeader(Message m)
    {
        var transferee = m.From;
        if (!_progress.TryGetValue(transferee, out var pr) || pr.IsLearner) return;
        if (transferee == Id || transferee == LeadTransferee) return;
        // The transfer must finish within one election timeout (§3.10), measured from now.
        _electionElapsed = 0;
        LeadTransferee = transferee;
        if (pr.Match == _log.LastIndex) SendTimeoutNow(transferee);
        else SendAppend(transferee, sendIfEmpty: true);
    }

    private void SendTimeoutNow(ulong to) => Send(new Message { Type = MessageType.TimeoutNow, To = to });
}
