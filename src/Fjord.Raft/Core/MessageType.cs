namespace Fjord.Raft;

/// <summary>Kinds of <see cref="Message"/>. The local ones never cross the network.</summary>
public enum MessageType : byte
{
    /// <summary>Local: start an election now.</summary>
    Hup = 0,
    /// <summary>Local: leader, send heartbeats now.</summary>
    Beat = 1,
    /// <summary>A client proposal; followers forward it to the leader.</summary>
    Propose = 2,
    /// <summary>AppendEntries (§5.3).</summary>
    Append = 3,
    AppendResponse = 4,
    /// <summary>RequestVote (§5.2).</summary>
    Vote = 5,
    VoteResponse = 6,
    /// <summary>Pre-vote (dissertation §9.6): would you vote for me? Changes no state.</summary>
    PreVote = 7,
    PreVoteResponse = 8,
    /// <summary>InstallSnapshot, one chunk (§7).</summary>
    Snapshot = 9,
    /// <summary>A follower's position in a chunked snapshot transfer.</summary>
    SnapshotResponse = 10,
    Heartbeat = 11,
    HeartbeatResponse = 12,
    /// <summary>Ask the leader to hand leadership to <see cref="Message.From"/> (dissertation §3.10).</summary>
    TransferLeader = 13,
    /// <summary>Leader to transferee: campaign now, skipping pre-vote.</summary>
    TimeoutNow = 14,
    /// <summary>Linearizable read request (dissertation §6.4).</summary>
    ReadIndex = 15,
    ReadIndexResponse = 16,
    /// <summary>Local: leader, verify that a quorum is still reachable.</summary>
    CheckQuorum = 17,
}
