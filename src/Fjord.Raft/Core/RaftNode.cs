namespace Fjord.Raft;

/// <summary>
/// One member of a raft group as a pure state machine, in the style of etcd's raft: inputs are
/// <see cref="Tick"/>, <see cref="Step"/>, <see cref="Propose"/>, <see cref="ReadIndex"/>; outputs are
/// collected into a <see cref="Ready"/> that the application persists, sends and applies before calling
/// <see cref="Advance"/>. No threads, sockets, clocks or files: time is ticks, randomness is injected,
/// storage is read through <see cref="IRaftStorage"/>.
/// Not thread-safe: owned by exactly one loop (a driver thread or the simulator).
/// </summary>
public sealed partial class RaftNode
{
    /// <summary>Context of a vote forced by leadership transfer: it must not be ignored as disruptive.</summary>
    public static readonly byte[] TransferContext = "transfer"u8.ToArray();

    private readonly RaftConfig _config;
    private readonly RaftLog _log;
    private readonly Dictionary<ulong, Progress> _progress = [];
    private readonly Dictionary<ulong, bool> _votes = [];
    private readonly List<Entry> _scratch = [];
    private List<Message> _messages = [];
    private List<ReadState> _readStates = [];
    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;
    private HardState _prevHardState;
    private SoftState _prevSoftState;
    private Ready? _pendingReady;

    /// <summary>Creates a node over storage that holds its persisted state (empty for a new node).</summary>
    public RaftNode(RaftConfig config, IRaftStorage storage)
    {
        config.Validate();
        _config = config;
        _log = new RaftLog(storage);
        var hs = storage.HardState;
        var snapshot = storage.SnapshotMetadata;
        ConfState = snapshot.ConfState;
        Term = hs.Term;
        Vote = hs.Vote;
        if (hs.Commit > _log.LastIndex || hs.Commit < snapshot.Index && hs.Commit != 0)
            throw new InvalidOperationException($"persisted commit {hs.Commit} outside the log [{snapshot.Index},{_log.LastIndex}]");
        // Membership takes effect at commit, so replaying the committed tail rebuilds it.
        AdvanceCommit(hs.Commit);
        if (config.Applied > 0) _log.AppliedTo(config.Applied);
        BecomeFollower(Term, 0);
        _prevHardState = HardState;
        _prevSoftState = SoftState;
    }

    /// <summary>This node's id.</summary>
    public ulong Id => _config.Id;

    /// <summary>Current term (§5.1).</summary>
    public ulong Term { get; private set; }

    /// <summary>Candidate voted for in <see cref="Term"/>, 0 for none.</summary>
    public ulong Vote { get; private set; }

    /// <summary>Known leader of <see cref="Term"/>, 0 for none.</summary>
    public ulong LeaderId { get; private set; }

    /// <summary>Current role.</summary>
    public StateRole Role { get; private set; }

    /// <summary>Highest index known committed.</summary>
    public ulong CommitIndex => _log.Committed;

    /// <summary>Highest index handed to the application.</summary>
    public ulong AppliedIndex => _log.Applied;

    /// <summary>Index of the last entry in the log (stable or not).</summary>
    public ulong LastIndex => _log.LastIndex;

    /// <summary>Membership as of <see cref="CommitIndex"/>.</summary>
    public ConfState ConfState { get; private set; }

    /// <summary>Term, vote and commit as they stand (persisted or not).</summary>
    public HardState HardState => new(Term, Vote, _log.Committed);

    /// <summary>Leader and role.</summary>
    public SoftState SoftState => new(LeaderId, Role);

    /// <summary>A node that is a voter may campaign; learners and removed nodes never do.</summary>
    public bool IsPromotable => ConfState.IsVoter(Id) && _log.UnstableSnapshot is null;

    /// <summary>Pending leadership transfer target, 0 for none.</summary>
    public ulong LeadTransferee { get; private set; }

    internal RaftLog Log => _log;

    internal IReadOnlyDictionary<ulong, Progress> Progress => _progress;

    /// <summary>
    /// The leader's match index of every member (its own: its last index), for DescribeQuorum; empty on a follower.
    /// A copy: call on the node's loop (<see cref="RaftNodeDriver.Post"/>) and keep the result.
    /// </summary>
    public IReadOnlyDictionary<ulong, ulong> MatchIndexes() => Role != StateRole.Leader
        ? new Dictionary<ulong, ulong>()
        : _progress.ToDictionary(p => p.Key, p => p.Key == Id ? _log.LastIndex : p.Value.Match);

    /// <summary>Term of the entry at <paramref name="index"/>, or false when compacted or absent.</summary>
    public bool TryGetTerm(ulong index, out ulong term) => _log.TryGetTerm(index, out term);

    /// <summary>Advances logical time by one tick: election timeout for followers, heartbeats for leaders.</summary>
    public void Tick()
    {
        if (Role == StateRole.Leader) TickHeartbeat();
        else TickElection();
    }

    /// <summary>Starts an election now (ignores the timer); with pre-vote it starts with a poll.</summary>
    public void Campaign() => StepCore(new Message { Type = MessageType.Hup, From = Id });

    /// <summary>
    /// Proposes a command. Returns false when it was dropped (no known leader, transfer in progress);
    /// true only means it was appended or forwarded — it is committed when it shows up in a Ready.
    /// </summary>
    public bool Propose(ReadOnlyMemory<byte> data) =>
        StepCore(new Message { Type = MessageType.Propose, From = Id, Entries = [new Entry(0, 0, EntryType.Normal, data)] });

    /// <summary>
    /// Proposes one membership change (dissertation §4.1). The leader refuses (false) while another change
    /// is uncommitted, or before it committed an entry of its own term (the single-server fix from the
    /// dissertation's errata), or when the change is a no-op.
    /// </summary>
    public bool ProposeConfChange(ConfChange change)
    {
        if (!ConfState.CanApply(change)) return false;
        return StepCore(new Message
        {
            Type = MessageType.Propose,
            From = Id,
            Entries = [new Entry(0, 0, EntryType.ConfChange, change.Encode())],
        });
    }

    /// <summary>
    /// True on a leader while a membership change it appended is uncommitted, or before it committed an entry of
    /// its own term: <see cref="ProposeConfChange"/> refuses then. Lets a caller tell "retry later" from "invalid".
    /// </summary>
    public bool HasPendingConfChange => Role == StateRole.Leader && _pendingConfIndex > _log.Committed;

    /// <summary>Requests a linearizable read point; the answer arrives as a <see cref="ReadState"/> with this context.</summary>
    public void ReadIndex(byte[] context) =>
        StepCore(new Message { Type = MessageType.ReadIndex, From = Id, Context = context });

    /// <summary>Asks the leader to hand leadership to <paramref name="transferee"/> (dissertation §3.10).</summary>
    public void TransferLeadership(ulong transferee) =>
        StepCore(new Message { Type = MessageType.TransferLeader, From = transferee });

    /// <summary>Feeds a message received from another node (or a local one).</summary>
    public void Step(Message message) => StepCore(message);

    private bool StepCore(Message m)
    {
        if (_pendingReady is not null) throw new InvalidOperationException("Step before Advance of the previous Ready");
        if (m.Term == 0)
        {
            // Local message or a forwarded proposal/read: no term to check.
        }
        else if (m.Term > Term)
        {
            if (m.Type is MessageType.Vote or MessageType.PreVote)
            {
                var force = m.Context is { } ctx && ctx.AsSpan().SequenceEqual(TransferContext);
                var inLease = _config.CheckQuorum && LeaderId != 0 && _electionElapsed < _config.ElectionTick;
                // Dissertation §4.2.3: a server that heard from a current leader within the minimum
                // election timeout ignores RequestVote, so a removed or partitioned node cannot disrupt.
                if (!force && inLease) return false;
            }
            if (m.Type == MessageType.PreVote)
            {
                // A pre-vote never changes our term.
            }
            else if (m.Type == MessageType.PreVoteResponse && !m.Reject)
            {
                // Granted for term+1: we bump the term ourselves when a quorum agrees.
            }
            else if (m.Type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot)
            {
                BecomeFollower(m.Term, m.From);
            }
            else
            {
                BecomeFollower(m.Term, 0);
            }
        }
        else if (m.Term < Term)
        {
            if ((_config.CheckQuorum || _config.PreVote) && m.Type is MessageType.Heartbeat or MessageType.Append)
            {
                // A stale leader (e.g. back from a partition) would otherwise never learn of the new term:
                // with pre-vote nobody sends it a higher-term vote request. Tell it so it steps down.
                Send(new Message { Type = MessageType.AppendResponse, To = m.From });
            }
            else if (m.Type == MessageType.PreVote)
            {
                Send(new Message { Type = MessageType.PreVoteResponse, To = m.From, Reject = true });
            }
            return false;
        }

        switch (m.Type)
        {
            case MessageType.Hup:
                Hup(transfer: false);
                return true;
            case MessageType.Vote:
            case MessageType.PreVote:
                HandleVoteRequest(m);
                return true;
        }
        return Role switch
        {
            StateRole.Leader => StepLeader(m),
            StateRole.Follower => StepFollower(m),
            _ => StepCandidate(m),
        };
    }

    private void Send(Message m)
    {
        // Forwarded requests keep term 0: the leader must not treat them as coming from an old term.
        var needsTerm = m.Term == 0 && m.Type is not (MessageType.Propose or MessageType.ReadIndex or MessageType.TransferLeader);
        if (m.From == 0 || needsTerm) m = m with { From = m.From == 0 ? Id : m.From, Term = needsTerm ? Term : m.Term };
        _messages.Add(m);
    }

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = 0;
        }
        LeaderId = 0;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        _randomizedElectionTimeout = _config.ElectionTick + _config.Random.Next(_config.ElectionTick);
        LeadTransferee = 0;
        _votes.Clear();
        _pendingConfIndex = 0;
        _readIndexQueue.Clear();
        _pendingReadIndexMessages.Clear();
        ResetProgress();
    }

    private void ResetProgress()
    {
        _progress.Clear();
        foreach (var id in ConfState.Voters) AddProgress(id, learner: false);
        foreach (var id in ConfState.Learners) AddProgress(id, learner: true);
    }

    private void AddProgress(ulong id, bool learner)
    {
        var pr = new Progress(_log.LastIndex + 1, _config.MaxInflightMessages, learner) { RecentActive = true };
        if (id == Id) pr.Match = _log.LastIndex;
        _progress[id] = pr;
    }

    /// <summary>True when there is something for the application to do.</summary>
    public bool HasReady =>
        _pendingReady is null &&
        (SoftState != _prevSoftState
         || HardState != _prevHardState
         || _log.UnstableEntries.Count > 0
         || _log.UnstableSnapshot is not null
         || _messages.Count > 0
         || _readStates.Count > 0
         || _log.HasNextCommittedEntries);

    /// <summary>Collects pending work; the caller must handle it and call <see cref="Advance"/> before stepping again.</summary>
    public Ready GetReady()
    {
        if (_pendingReady is not null) throw new InvalidOperationException("GetReady before Advance of the previous Ready");
        var hs = HardState;
        var ss = SoftState;
        var entries = _log.UnstableEntries.Count > 0 ? _log.UnstableEntries.ToArray() : [];
        var ready = new Ready
        {
            SoftState = ss != _prevSoftState ? ss : null,
            HardState = hs != _prevHardState ? hs : null,
            Entries = entries,
            Snapshot = _log.UnstableSnapshot,
            CommittedEntries = _log.NextCommittedEntries(_config.MaxCommittedEntriesPerReady),
            Messages = _messages,
            ReadStates = _readStates,
            MustSync = entries.Length > 0 || _log.UnstableSnapshot is not null
                       || hs.Term != _prevHardState.Term || hs.Vote != _prevHardState.Vote,
        };
        _messages = [];
        _readStates = [];
        _pendingReady = ready;
        return ready;
    }

    /// <summary>The application persisted, sent and applied the last <see cref="Ready"/>.</summary>
    public void Advance()
    {
        var ready = _pendingReady ?? throw new InvalidOperationException("Advance without GetReady");
        _pendingReady = null;
        if (ready.SoftState is { } ss) _prevSoftState = ss;
        if (ready.HardState is { } hs) _prevHardState = hs;
        if (ready.Snapshot is { } snap)
        {
            _log.StableSnapshotTo(snap.Metadata.Index);
            _log.AppliedSnapshot(snap.Metadata.Index);
        }
        if (ready.Entries.Count > 0)
        {
            var last = ready.Entries[^1];
            _log.StableTo(last.Index, last.Term);
        }
        if (ready.CommittedEntries.Count > 0) _log.AppliedTo(ready.CommittedEntries[^1].Index);
    }

    /// <summary>A one-line summary for traces and logs.</summary>
    public override string ToString() =>
        $"{Id} {Role} term={Term} vote={Vote} lead={LeaderId} commit={CommitIndex} applied={AppliedIndex} last={LastIndex} {ConfState}";
}
