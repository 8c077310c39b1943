using System.Threading.Channels;

namespace Fjord.Raft;

/// <summary>
/// Runs one <see cref="RaftNode"/> on a single loop: ticks from a <see cref="TimeProvider"/> timer,
/// messages from the transport and client proposals all go through one channel, and each Ready is
/// handled in etcd's order — persist (fsync), then send, then apply, then Advance — so no message
/// leaves before the state it promises is durable. Public methods are thread-safe; the node, storage,
/// transport and state machine are only touched by the loop.
/// </summary>
public sealed class RaftNodeDriver : IRaftInbox, IAsyncDisposable
{
    private abstract record Input;
    private sealed record Received(Message Message) : Input;
    private sealed record Tick : Input;
    private sealed record Proposal(ReadOnlyMemory<byte> Data, TaskCompletionSource<ulong> Done) : Input;
    private sealed record Call(Action<RaftNode> Action) : Input;

    private static readonly Tick TickInput = new();

    /// <summary>A proposal waiting to be applied; <see cref="Appended"/> flips once its entry is persisted.</summary>
    private sealed class PendingProposal(ulong term, TaskCompletionSource<ulong> done, long proposedAt)
    {
        public ulong Term { get; } = term;
        public TaskCompletionSource<ulong> Done { get; } = done;
        public long ProposedAt { get; } = proposedAt;
        public bool Appended { get; set; }
    }

    private readonly RaftNode _node;
    private readonly IRaftStorage _storage;
    private readonly IRaftTransport _transport;
    private readonly IRaftStateMachine _stateMachine;
    private readonly RaftDriverOptions _options;
    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<ulong, PendingProposal> _pending = [];
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Task _loop;
    private int _appliedSinceSnapshot;
    private volatile RaftStatus _status;

    /// <summary>Starts the loop for a node over already-opened storage.</summary>
    public RaftNodeDriver(RaftConfig config, IRaftStorage storage, IRaftTransport transport, IRaftStateMachine stateMachine,
        TimeProvider time, RaftDriverOptions? options = null)
    {
        _options = options ?? new RaftDriverOptions();
        _storage = storage;
        _transport = transport;
        _stateMachine = stateMachine;
        _time = time;
        if (!storage.Snapshot.IsEmpty) stateMachine.Restore(storage.Snapshot);
        _node = new RaftNode(config, storage);
        _status = new RaftStatus(_node.Id, 0, _node.Term, _node.Role, _node.CommitIndex, _node.AppliedIndex, _node.ConfState);
        _timer = time.CreateTimer(_ => _inputs.Writer.TryWrite(TickInput), null, _options.TickInterval, _options.TickInterval);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>A recent view of the node, updated after every Ready.</summary>
    public RaftStatus Status => _status;

    /// <inheritdoc/>
    public void Deliver(Message message) => _inputs.Writer.TryWrite(new Received(message));

    /// <summary>
    /// Proposes a command; completes with its log index once applied here, fails with
    /// <see cref="NotLeaderException"/> on a follower or when leadership is lost before it commits.
    /// </summary>
    public Task<ulong> ProposeAsync(ReadOnlyMemory<byte> data)
    {
        var done = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new Proposal(data, done))) done.SetException(new ObjectDisposedException(nameof(RaftNodeDriver)));
        return done.Task;
    }

    /// <summary>Runs an action against the node on its loop (campaign, transfer, membership changes).</summary>
    public void Post(Action<RaftNode> action) => _inputs.Writer.TryWrite(new Call(action));

    private async Task RunAsync()
    {
        var reader = _inputs.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Drain everything queued before handling the Ready: many proposals share one fsync.
                while (reader.TryRead(out var input)) Handle(input);
                while (_node.HasReady) HandleReady();
            }
        }
        catch (Exception e)
        {
            // A storage failure (or a bug) stops the node: it must not run on with state it could not persist.
            _inputs.Writer.TryComplete(e);
            foreach (var (_, p) in _pending) p.Done.TrySetException(e);
            _pending.Clear();
            while (reader.TryRead(out var input)) if (input is Proposal p) p.Done.TrySetException(e);
            throw;
        }
    }

    private void Handle(Input input)
    {
        switch (input)
        {
            case Received r:
                _node.Step(r.Message);
                break;
            case Tick:
                _node.Tick();
                break;
            case Proposal p:
                if (_node.Role != StateRole.Leader) { p.Done.TrySetException(new NotLeaderException(_node.LeaderId)); break; }
                if (!_node.Propose(p.Data)) { p.Done.TrySetException(new NotLeaderException(_node.LeaderId)); break; }
                // On the leader the entry is appended synchronously at the end of the log.
                _pending[_node.LastIndex] = new PendingProposal(_node.Term, p.Done, _time.GetTimestamp());
                break;
            case Call c:
                c.Action(_node);
                break;
        }
    }

    private void HandleReady()
    {
        var rd = _node.GetReady();
        _storage.Save(rd.HardState, rd.Snapshot, rd.Entries, rd.MustSync && _options.Fsync);
        if (_options.ProposalObserver is { } observer && _pending.Count > 0) ObserveAppended(rd.Entries, observer);
        if (rd.Messages.Count > 0) _transport.Send(rd.Messages);
        if (rd.Snapshot is { } snapshot)
        {
            _stateMachine.Restore(snapshot);
            FailPendingUpTo(snapshot.Metadata.Index);
        }
        foreach (var entry in rd.CommittedEntries)
        {
            _stateMachine.Apply(entry);
            _appliedSinceSnapshot++;
            if (_pending.Remove(entry.Index, out var p))
            {
                if (p.Term == entry.Term)
                {
                    _options.ProposalObserver?.ProposalCommitted(_time.GetElapsedTime(p.ProposedAt));
                    p.Done.TrySetResult(entry.Index);
                }
                else p.Done.TrySetException(new NotLeaderException(_node.LeaderId));
            }
        }
        if (rd.SoftState is { Role: not StateRole.Leader }) FailPendingUpTo(ulong.MaxValue);
        _node.Advance();
        MaybeSnapshot();
        _status = new RaftStatus(_node.Id, _node.LeaderId, _node.Term, _node.Role, _node.CommitIndex, _node.AppliedIndex, _node.ConfState);
    }

    private void ObserveAppended(IReadOnlyList<Entry> persisted, IRaftProposalObserver observer)
    {
        foreach (var entry in persisted)
        {
            if (!_pending.TryGetValue(entry.Index, out var p) || p.Appended || p.Term != entry.Term) continue;
            p.Appended = true;
            observer.ProposalAppended(_time.GetElapsedTime(p.ProposedAt));
        }
    }

    private void FailPendingUpTo(ulong index)
    {
        if (_pending.Count == 0) return;
        foreach (var key in _pending.Keys.Where(k => k <= index).ToList())
        {
            if (_pending.Remove(key, out var p)) p.Done.TrySetException(new NotLeaderException(_node.LeaderId));
        }
    }

    private void MaybeSnapshot()
    {
        if (_options.SnapshotEveryEntries <= 0 || _appliedSinceSnapshot < _options.SnapshotEveryEntries) return;
        // ConfState is as of the commit index; a snapshot must carry the membership as of its own index.
        if (_node.AppliedIndex != _node.CommitIndex) return;
        var applied = _node.AppliedIndex;
        _storage.CreateSnapshot(applied, _node.ConfState, _stateMachine.TakeSnapshot());
        var keep = (ulong)_options.EntriesKeptAfterSnapshot;
        if (applied > keep) _storage.Compact(Math.Min(applied - keep, _storage.SnapshotMetadata.Index));
        _appliedSinceSnapshot = 0;
    }

    /// <summary>Stops the loop; pending proposals fail.</summary>
    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        _inputs.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        finally
        {
            _timer.Dispose();
        }
        foreach (var (_, p) in _pending) p.Done.TrySetException(new ObjectDisposedException(nameof(RaftNodeDriver)));
        _pending.Clear();
    }
}
