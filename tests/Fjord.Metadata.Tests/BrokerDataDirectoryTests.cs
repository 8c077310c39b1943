using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests;

/// <summary>
/// KIP-858/KIP-903 in the controller: a broker that registers again with another data directory id has lost its
/// data, so it leaves every ISR — even as the last member — and is never elected from it; the same directory keeps
/// the last-member rule that lets a partition come back with its only in-sync copy.
/// </summary>
public sealed class BrokerDataDirectoryTests
{
    private static readonly TimeSpan PastSession = new QuorumControllerOptions().BrokerSessionTimeout + TimeSpan.FromSeconds(1);

    [Fact]
    public void RegisterBroker_LastIsrMemberReturnsWithAnotherDataDirectory_LeavesTheIsrAndIsNotElected()
    {
        var (ctx, _, leader) = LastIsrMemberFenced();

        Register(ctx, leader, Guid.NewGuid());

        var p = ctx.Partition("t", 0);
        Assert.Empty(p.Isr);
        Assert.Equal(PartitionRegistration.NoLeader, p.Leader);
        Assert.Equal(3, ctx.Image.Brokers.Count);
        Assert.All(ctx.Image.Brokers.Values, b => Assert.False(b.Fenced));
    }

    [Fact]
    public void RegisterBroker_LastIsrMemberReturnsWithTheSameDataDirectory_IsElectedAgain()
    {
        var (ctx, directories, leader) = LastIsrMemberFenced();

        Register(ctx, leader, directories[leader]);

        var p = ctx.Partition("t", 0);
        Assert.Equal(leader, Assert.Single(p.Isr));
        Assert.Equal(leader, p.Leader);
    }

    [Fact]
    public void RegisterBroker_InSyncFollowerReturnsWithAnotherDataDirectory_LeavesTheIsrWhileTheLeaderStays()
    {
        var ctx = new ControllerTestContext();
        var directories = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        for (var id = 0; id < 3; id++) Register(ctx, id, directories[id]);
        ctx.CreateTopic("t", 1, 3);
        var before = ctx.Partition("t", 0);
        var follower = before.Replicas.First(r => r != before.Leader);
        // Killed: its session runs out (a new incarnation is refused while the old one still heartbeats).
        Assert.Equal(1, ctx.Advance(PastSession, [.. before.Replicas.Where(r => r != follower)]));

        Register(ctx, follower, Guid.NewGuid());

        var after = ctx.Partition("t", 0);
        Assert.Equal(before.Leader, after.Leader);
        Assert.DoesNotContain(follower, after.Isr);
        Assert.Equal(2, after.Isr.Length);
    }

    [Fact]
    public void BrokerRegistration_RecordRoundTrip_KeepsTheDataDirectoryId()
    {
        var registration = new BrokerRegistration(4, Guid.NewGuid(), 17, "r1", [new("PLAINTEXT", "h", 9092)], Fenced: true, InControlledShutdown: false,
            LogDirId: Guid.NewGuid());
        var back = BrokerRegistration.FromRecord(registration.ToRecord());
        Assert.Equal(registration.LogDirId, back.LogDirId);
        Assert.Equal(Guid.Empty, BrokerRegistration.FromRecord((registration with { LogDirId = Guid.Empty }).ToRecord()).LogDirId);
    }

    /// <summary>3 brokers, topic t (RF 3) whose ISR shrank to its leader, which then died and was fenced.</summary>
    private static (ControllerTestContext Ctx, Guid[] Directories, int Leader) LastIsrMemberFenced()
    {
        var ctx = new ControllerTestContext();
        var directories = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        for (var id = 0; id < 3; id++) Register(ctx, id, directories[id]);
        ctx.CreateTopic("t", 1, 3);
        var leader = ctx.Partition("t", 0).Leader;
        Assert.Equal(ErrorCode.None, ctx.AlterIsr("t", 0, leader).Error);
        var others = Enumerable.Range(0, 3).Where(id => id != leader).ToArray();
        Assert.Equal(1, ctx.Advance(PastSession, others));
        var offline = ctx.Partition("t", 0);
        Assert.Equal(leader, Assert.Single(offline.Isr));
        Assert.Equal(PartitionRegistration.NoLeader, offline.Leader);
        return (ctx, directories, leader);
    }

    /// <summary>Registers a new incarnation of a broker with the given data directory and unfences it by a heartbeat.</summary>
    private static void Register(ControllerTestContext ctx, int id, Guid directory)
    {
        var reply = ctx.Run(ctx.Controller.RegisterBroker(new BrokerRegistrationRequest(id, Guid.NewGuid(), null, [new("PLAINTEXT", "localhost", 9092 + id)], directory)));
        Assert.Equal(ErrorCode.None, reply.Error);
        ctx.Epochs[id] = reply.BrokerEpoch;
        Assert.False(ctx.Heartbeat(id).IsFenced);
    }
}
