using Google.Protobuf;
using RaftCore = Fjord.Raft;

namespace Fjord.Rpc.Raft;

/// <summary>Converts between core raft messages and their protobuf form. Stateless; thread-safe.</summary>
public static class RaftMessageMapper
{
    public static RaftMessage ToProto(RaftCore.Message m)
    {
        var p = new RaftMessage
        {
            Type = (uint)m.Type,
            To = m.To,
            From = m.From,
            Term = m.Term,
            LogTerm = m.LogTerm,
            Index = m.Index,
            Commit = m.Commit,
            Reject = m.Reject,
            RejectHint = m.RejectHint,
        };
        if (m.Context is { } ctx) p.Context = ByteString.CopyFrom(ctx);
        foreach (var e in m.Entries)
        {
            p.Entries.Add(new RaftEntry
            {
                Term = e.Term,
                Index = e.Index,
                Type = (uint)e.Type,
                Data = e.Data.IsEmpty ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(e.Data),
            });
        }
        if (m.Snapshot is { } chunk)
        {
            var s = new SnapshotChunk
            {
                Index = chunk.Metadata.Index,
                Term = chunk.Metadata.Term,
                Offset = (ulong)chunk.Offset,
                Data = UnsafeByteOperations.UnsafeWrap(chunk.Data),
                Done = chunk.Done,
                TotalSize = (ulong)chunk.TotalSize,
            };
            s.Voters.Add(chunk.Metadata.ConfState.Voters);
            s.Learners.Add(chunk.Metadata.ConfState.Learners);
            p.Snapshot = s;
        }
        return p;
    }

    public static RaftCore.Message FromProto(RaftMessage p)
    {
        var entries = p.Entries.Count == 0 ? [] : new RaftCore.Entry[p.Entries.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            var e = p.Entries[i];
            entries[i] = new RaftCore.Entry(e.Term, e.Index, (RaftCore.EntryType)e.Type, e.Data.Memory);
        }
        RaftCore.SnapshotChunk? chunk = null;
        if (p.Snapshot is { } s)
        {
            var meta = new RaftCore.SnapshotMetadata(s.Index, s.Term, new RaftCore.ConfState(s.Voters, s.Learners));
            chunk = new RaftCore.SnapshotChunk(meta, (long)s.Offset, s.Data.Memory, s.Done, (long)s.TotalSize);
        }
        return new RaftCore.Message
        {
            Type = (RaftCore.MessageType)p.Type,
            To = p.To,
            From = p.From,
            Term = p.Term,
            LogTerm = p.LogTerm,
            Index = p.Index,
            Entries = entries,
            Commit = p.Commit,
            Reject = p.Reject,
            RejectHint = p.RejectHint,
            Context = p.Context.IsEmpty ? null : p.Context.ToByteArray(),
            Snapshot = chunk,
        };
    }
}
