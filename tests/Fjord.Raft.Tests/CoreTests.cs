using FsCheck.Xunit;

namespace Fjord.Raft.Tests;

public sealed class CoreTests
{
    [Property]
    public bool ConfChange_EncodeThenDecode_RoundTrips(byte type, ulong node)
    {
        var cc = new ConfChange((ConfChangeType)(type % 6), node);
        return ConfChange.Decode(cc.Encode()) == cc;
    }

    [Property]
    public bool ConfChange_WithContext_RoundTripsTheContext(byte type, ulong node, FsCheck.NonEmptyString context)
    {
        var cc = new ConfChange((ConfChangeType)(type % 6), node, context.Get);
        return ConfChange.Decode(cc.Encode()) == cc;
    }

    [Fact]
    public void ConfChange_WithContext_AppliesLikeWithout()
    {
        var state = ConfState.OfVoters(1, 2, 3);
        var withAddress = state.Apply(new ConfChange(ConfChangeType.AddLearner, 4, "127.0.0.1:9093"));
        Assert.Equal(state.Apply(new ConfChange(ConfChangeType.AddLearner, 4)), withAddress);
        Assert.True(withAddress.IsLearner(4));
    }

    [Fact]
    public void ConfState_WhenRemovingLastVoter_IsANoOp()
    {
        var one = ConfState.OfVoters(1);
        Assert.False(one.CanApply(new ConfChange(ConfChangeType.RemoveVoter, 1)));
        Assert.Same(one, one.Apply(new ConfChange(ConfChangeType.RemoveVoter, 1)));
    }

    [Fact]
    public void ConfState_PromoteLearner_MovesItToVoters()
    {
        var conf = new ConfState([1, 2, 3], [4]).Apply(new ConfChange(ConfChangeType.PromoteLearner, 4));
        Assert.Equal([1UL, 2, 3, 4], conf.Voters);
        Assert.Empty(conf.Learners);
    }

    [Fact]
    public void ConfState_DemoteVoter_MovesItToLearners()
    {
        var conf = ConfState.OfVoters(1, 2, 3).Apply(new ConfChange(ConfChangeType.DemoteVoter, 2));
        Assert.Equal([1UL, 3], conf.Voters);
        Assert.Equal([2UL], conf.Learners);
    }

    [Fact]
    public void ConfState_WhenDemotingLastVoter_IsANoOp()
    {
        var one = new ConfState([1], [2]);
        Assert.False(one.CanApply(new ConfChange(ConfChangeType.DemoteVoter, 1)));
        Assert.False(one.CanApply(new ConfChange(ConfChangeType.DemoteVoter, 2)));
        Assert.Same(one, one.Apply(new ConfChange(ConfChangeType.DemoteVoter, 1)));
    }

    [Fact]
    public void Inflights_WhenFull_PausesUntilAcknowledged()
    {
        var window = new Inflights(3);
        window.Add(5);
        window.Add(7);
        window.Add(9);
        Assert.True(window.IsFull);
        window.FreeLessOrEqual(7);
        Assert.Equal(1, window.Count);
        window.FreeFirst();
        Assert.Equal(0, window.Count);
    }

    [Fact]
    public void RaftLog_FindConflictByTerm_SkipsAWholeTerm()
    {
        var storage = new MemoryRaftStorage();
        storage.Save(null, null, [new Entry(1, 1, EntryType.Normal, default), new Entry(2, 2, EntryType.Normal, default),
            new Entry(2, 3, EntryType.Normal, default), new Entry(4, 4, EntryType.Normal, default)], sync: true);
        var log = new RaftLog(storage);
        Assert.Equal(3UL, log.FindConflictByTerm(4, 3));
        Assert.Equal(1UL, log.FindConflictByTerm(3, 1));
    }

    [Fact]
    public void Propose_OnFollowerWithKnownLeader_IsForwarded()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, ConfState.OfVoters(1, 2));
        var node = new RaftNode(new RaftConfig { Id = 2, Random = new Random(2) }, storage);
        Assert.False(node.Propose("x"u8.ToArray()));
        node.Step(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 2, Commit = 2 });
        Assert.True(node.Propose("x"u8.ToArray()));
        var rd = node.GetReady();
        Assert.Contains(rd.Messages, m => m.Type == MessageType.Propose && m.To == 1);
    }

    [Fact]
    public void Step_BeforeAdvance_IsRejected()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, ConfState.OfVoters(1));
        var node = new RaftNode(new RaftConfig { Id = 1, Random = new Random(1) }, storage);
        node.Campaign();
        node.GetReady();
        Assert.Throws<InvalidOperationException>(() => node.Tick());
        node.Advance();
        node.Tick();
    }

    [Fact]
    public void SingleVoter_CampaignsAndCommitsAlone()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, ConfState.OfVoters(1));
        var node = new RaftNode(new RaftConfig { Id = 1, Random = new Random(1) }, storage);
        for (var i = 0; i < 20 && node.Role != StateRole.Leader; i++)
        {
            node.Tick();
            while (node.HasReady)
            {
                var rd = node.GetReady();
                storage.Save(rd.HardState, rd.Snapshot, rd.Entries, rd.MustSync);
                node.Advance();
            }
        }
        Assert.Equal(StateRole.Leader, node.Role);
        Assert.True(node.Propose("a"u8.ToArray()));
        var ready = node.GetReady();
        Assert.Contains(ready.CommittedEntries, e => e.Data.Span.SequenceEqual("a"u8));
    }
}
