namespace Fjord.Raft;

// Linearizable reads without writing to the log (dissertation §6.4): the read point is the leader's
// commit index, valid once a quorum confirms the leader still leads.
public sealed partial class RaftNode
{
    private readonly ReadIndexQueue _readIndexQueue = new();
    private readonly List<Message> _pendingReadIndexMessages = [];

    private void LeaderReadIndex(Message m)
    {
        if (m.Context is null) return;
        if (ConfState.Voters.Count == 1 && ConfState.IsVoter(Id))
        {
            RespondReadIndex(m, _log.Committed);
            return;
        }
        // §6.4 step 1: until an entry of this term commits, our commit index may be behind what
        // earlier leaders committed, so it cannot serve as a read point yet.
        if (_log.Term(_log.Committed) != Term)
        {
            _pendingReadIndexMessages.Add(m);
            return;
        }
        if (_readIndexQueue.Add(_log.Committed, m, Id)) BroadcastHeartbeat();
    }

    private void ReleasePendingReadIndexMessages()
    {
        var pending = _pendingReadIndexMessages.ToArray();
        _pendingReadIndexMessages.Clear();
        foreach (var m in pending) LeaderReadIndex(m);
    }

    private void HandleReadIndexAck(ulong from, byte[] context)
    {
        if (!ConfState.IsVoter(from)) return;
        var acks = _readIndexQueue.Ack(from, context);
        if (acks is null) return;
        var voters = 0;
        foreach (var id in acks) if (ConfState.IsVoter(id)) voters++;
        if (voters < ConfState.Voters.Count / 2 + 1) return;
        foreach (var p in _readIndexQueue.Release(context)) RespondReadIndex(p.Request, p.Index);
    }

    private void RespondReadIndex(Message request, ulong index)
    {
        if (request.From == Id || request.From == 0)
            _readStates.Add(new ReadState(index, request.Context!));
        else
            Send(new Message { Type = MessageType.ReadIndexResponse, To = request.From, Index = index, Context = request.Context });
    }
}
