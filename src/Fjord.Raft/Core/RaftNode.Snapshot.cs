namespace Fjord.Raft;

// InstallSnapshot (§7), sent in chunks: offset, data, done (Figure 13).
public sealed partial class RaftNode
{
    private SnapshotMetadata? _incomingSnapshot;
    private MemoryStream? _incomingData;

    private bool StartSnapshot(ulong to, Progress pr)
    {
        var snapshot = _log.Snapshot;
        if (snapshot.IsEmpty) throw new InvalidOperationException($"entries for {to} are compacted but there is no snapshot");
        pr.BecomeSnapshot(snapshot);
        SendSnapshotChunk(to, pr);
        return true;
    }

    private void SendSnapshotChunk(ulong to, Progress pr)
    {
        var snapshot = pr.PendingSnapshot!;
        var total = snapshot.Data.Length;
        var offset = (int)Math.Clamp(pr.SnapshotOffset, 0, total);
        var length = Math.Min(_config.SnapshotChunkBytes, total - offset);
        Send(new Message
        {
            Type = MessageType.Snapshot,
            To = to,
            Index = snapshot.Metadata.Index,
            LogTerm = snapshot.Metadata.Term,
            Snapshot = new SnapshotChunk(snapshot.Metadata, offset, snapshot.Data.Slice(offset, length), offset + length == total, total),
        });
    }

    private void HandleSnapshot(Message m)
    {
        var chunk = m.Snapshot ?? throw new InvalidOperationException("snapshot message without a chunk");
        var meta = chunk.Metadata;
        if (meta.Index <= _log.Committed)
        {
            // Already have everything it covers: tell the leader where we are so it resumes appends.
            _incomingSnapshot = null;
            _incomingData = null;
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = _log.Committed });
            return;
        }
        var sameTransfer = _incomingSnapshot is { } cur && cur.Index == meta.Index && cur.Term == meta.Term;
        if (chunk.Offset == 0)
        {
            _incomingSnapshot = meta;
            _incomingData = new MemoryStream();
        }
        else if (!sameTransfer || _incomingData!.Length != chunk.Offset)
        {
            // Lost, duplicated or reordered chunk: say which offset we need next.
            Send(new Message
            {
                Type = MessageType.SnapshotResponse,
                To = m.From,
                Index = meta.Index,
                Reject = true,
                RejectHint = sameTransfer ? (ulong)_incomingData!.Length : 0,
            });
            return;
        }
        _incomingData!.Write(chunk.Data.Span);
        if (!chunk.Done)
        {
            Send(new Message { Type = MessageType.SnapshotResponse, To = m.From, Index = meta.Index, RejectHint = (ulong)_incomingData.Length });
            return;
        }
        var snapshot = new Snapshot(meta, _incomingData.ToArray());
        _incomingSnapshot = null;
        _incomingData = null;
        var index = Restore(snapshot) ? _log.LastIndex : _log.Committed;
        Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = index });
    }

    /// <summary>Installs a snapshot from the leader; false when our log already covers it.</summary>
    private bool Restore(Snapshot snapshot)
    {
        var meta = snapshot.Metadata;
        if (meta.Index <= _log.Committed) return false;
        if (_log.MatchTerm(meta.Index, meta.Term))
        {
            // §7: the log has the entry the snapshot ends at, so keep the log and just commit up to it.
            AdvanceCommit(meta.Index);
            return false;
        }
        _log.Restore(snapshot);
        ConfState = meta.ConfState;
        return true;
    }
}
