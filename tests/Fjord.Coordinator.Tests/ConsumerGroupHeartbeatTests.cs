using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

/// <summary>The KIP-848 consumer group state machine: joins, leaves, fencing, reconciliation, regex subscriptions.</summary>
public sealed class ConsumerGroupHeartbeatTests
{
    [Fact]
    public void Join_FirstMember_GetsEveryPartitionAtEpochOne()
    {
        var context = new ConsumerGroupTestContext();
        var topic = context.Topics.Create("orders", 4);

        var response = context.Join("a", ["orders"]);

        Assert.Equal(0, response.ErrorCode);
        Assert.Equal("a", response.MemberId);
        Assert.Equal(1, response.MemberEpoch);
        Assert.Equal(5_000, response.HeartbeatIntervalMs);
        var assigned = Assert.Single(response.Assignment!.TopicPartitions);
        Assert.Equal(topic, assigned.TopicId);
        Assert.Equal([0, 1, 2, 3], assigned.Partitions);
        Assert.Equal(ConsumerGroupState.Stable, context.GroupState.State);
        Assert.Equal(1, context.GroupState.GroupEpoch);
        Assert.Equal(1, context.GroupState.AssignmentEpoch);
    }

    [Fact]
    public void Join_Version0WithoutMemberId_GetsAGeneratedId()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("orders", 1);

        var response = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberEpoch = 0, RebalanceTimeoutMs = 1000, SubscribedTopicNames = ["orders"], TopicPartitions = [] }, version: 0);

        Assert.Equal(0, response.ErrorCode);
        Assert.False(string.IsNullOrEmpty(response.MemberId));
        Assert.Equal(1, response.MemberEpoch);
    }

    [Theory]
    [InlineData(1, "", 0, 1000, true, "MemberId")]
    [InlineData(1, "m", 0, -1, true, "RebalanceTimeoutMs")]
    [InlineData(1, "m", 0, 1000, false, "TopicPartitions")]
    [InlineData(1, "m", -3, 1000, true, "MemberEpoch")]
    [InlineData(1, "", 5, 1000, true, "MemberId")]
    public void Heartbeat_Malformed_IsInvalidRequest(short version, string memberId, int epoch, int rebalanceTimeoutMs, bool emptyOwned, string mentioned)
    {
        var context = new ConsumerGroupTestContext();
        var response = context.Send(new ConsumerGroupHeartbeatRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            MemberId = memberId,
            MemberEpoch = epoch,
            RebalanceTimeoutMs = rebalanceTimeoutMs,
            SubscribedTopicNames = ["t"],
            TopicPartitions = emptyOwned ? [] : null,
        }, version);

        Assert.Equal((short)ErrorCode.InvalidRequest, response.ErrorCode);
        Assert.Contains(mentioned, response.ErrorMessage);
    }

    [Fact]
    public void Join_UnknownAssignor_IsUnsupportedAssignor()
    {
        var context = new ConsumerGroupTestContext();
        Assert.Equal((short)ErrorCode.UnsupportedAssignor, context.Join("a", ["t"], assignor: "sticky").ErrorCode);
    }

    [Theory]
    [InlineData("(a")]
    [InlineData("a)|(b")]
    [InlineData(@"(a)\1")]
    [InlineData("(?=a)b")]
    public void Join_InvalidOrNonRe2Regex_IsInvalidRegularExpression(string regex)
    {
        var context = new ConsumerGroupTestContext();
        Assert.Equal((short)ErrorCode.InvalidRegularExpression, context.Join("a", regex: regex).ErrorCode);
    }

    [Fact]
    public void Heartbeat_UnknownMember_IsUnknownMemberId()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Join("a", ["t"]);

        var response = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberId = "ghost", MemberEpoch = 1 });

        Assert.Equal((short)ErrorCode.UnknownMemberId, response.ErrorCode);
    }

    [Fact]
    public void Heartbeat_WithAnEpochTheMemberNeverHad_IsFencedMemberEpoch()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Join("a", ["t"]);

        var response = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberId = "a", MemberEpoch = 7 });

        Assert.Equal((short)ErrorCode.FencedMemberEpoch, response.ErrorCode);
    }

    [Fact]
    public void Heartbeat_WithThePreviousEpochAfterALostResponse_IsAccepted()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 2);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.HeartbeatUntilStable("a", "b");
        var epoch = context.Epoch("a");
        var owned = context.Owned("a");

        // The member never saw the response that moved it to its current epoch; it owns a subset.
        var member = context.GroupState.Members["a"];
        var response = context.Send(new ConsumerGroupHeartbeatRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            MemberId = "a",
            MemberEpoch = member.Assignment.PreviousMemberEpoch,
            TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = owned.First().TopicId, Partitions = [.. owned.Select(p => p.Partition)] }],
        });

        Assert.Equal(0, response.ErrorCode);
        Assert.Equal(epoch, response.MemberEpoch);
    }

    [Fact]
    public void SecondMember_GetsHalf_OnlyAfterTheFirstRevokedIt()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 4);
        context.Join("a", ["t"]);

        var joined = context.Join("b", ["t"]);

        // b's target holds two partitions a still owns: b is at the new epoch but gets nothing yet.
        Assert.Equal(2, joined.MemberEpoch);
        Assert.Empty(joined.Assignment!.TopicPartitions);
        Assert.Equal(ConsumerGroupMemberState.UnreleasedPartitions, context.GroupState.Members["b"].Assignment.State);

        // a is told to keep two (epoch stays 1 while it revokes the others).
        var revoking = context.Heartbeat("a");
        Assert.Equal(1, revoking.MemberEpoch);
        Assert.Equal(2, revoking.Assignment!.TopicPartitions.Single().Partitions.Count);
        Assert.Equal(ConsumerGroupMemberState.UnrevokedPartitions, context.GroupState.Members["a"].Assignment.State);
        Assert.Equal(ConsumerGroupState.Reconciling, context.GroupState.State);

        // a's next heartbeat shows the revocation done: a moves to epoch 2, b gets the freed partitions.
        Assert.Equal(2, context.Heartbeat("a").MemberEpoch);
        Assert.Equal(2, context.Heartbeat("b").Assignment!.TopicPartitions.Single().Partitions.Count);
        context.AssertNoPartitionOwnedTwice();
        Assert.Equal(ConsumerGroupState.Stable, context.GroupState.State);
    }

    [Fact]
    public void ThreeMembers_JoiningAndLeaving_RevokeBeforeAssign_AndEndBalanced()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 6);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.Join("c", ["t"]);
        var rounds = context.HeartbeatUntilStable("a", "b", "c");

        Assert.All(["a", "b", "c"], m => Assert.Equal(2, context.Owned(m).Count));
        Assert.Equal(6, context.Owned("a").Union(context.Owned("b")).Union(context.Owned("c")).Count);

        var leave = context.Leave("b");
        Assert.Equal(GroupCoordinator.LeaveGroupMemberEpoch, leave.MemberEpoch);
        context.HeartbeatUntilStable("a", "c");
        Assert.Equal(3, context.Owned("a").Count);
        Assert.Equal(3, context.Owned("c").Count);
        Assert.True(rounds >= 2, $"reconciliation took {rounds} rounds");
    }

    [Fact]
    public void UniformAssignor_KeepsPartitionsWhereTheyWere_WhenAMemberJoins()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 6);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.HeartbeatUntilStable("a", "b");
        var before = context.Owned("a").Union(context.Owned("b"));
        var ownedByA = context.Owned("a");

        context.Join("c", ["t"]);
        context.HeartbeatUntilStable("a", "b", "c");

        // Each of a and b gave up exactly one partition; nothing else moved.
        Assert.Equal(2, context.Owned("a").Intersect(ownedByA).Count);
        Assert.Equal(6, before.Count);
    }

    [Fact]
    public void RangeAssignor_GivesContiguousRanges()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 5);
        context.Join("a", ["t"], assignor: "range");
        context.Join("b", ["t"], assignor: "range");
        context.HeartbeatUntilStable("a", "b");

        Assert.Equal([0, 1, 2], context.Owned("a").Select(p => p.Partition));
        Assert.Equal([3, 4], context.Owned("b").Select(p => p.Partition));
    }

    [Fact]
    public void SessionTimeout_FencesASilentMember_AndTheOthersTakeItsPartitions()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 4);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.HeartbeatUntilStable("a", "b");

        // a heartbeats every 5 s; b went silent.
        for (var i = 0; i < 10; i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(0, context.Heartbeat("a").ErrorCode);
        }

        Assert.False(context.GroupState.Members.ContainsKey("b"));
        Assert.Equal(4, context.Owned("a").Count);
        context.Forget("b");
        var fenced = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberId = "b", MemberEpoch = 2 });
        Assert.Equal((short)ErrorCode.UnknownMemberId, fenced.ErrorCode);
    }

    [Fact]
    public void RebalanceTimeout_FencesAMemberThatDoesNotRevoke()
    {
        var context = new ConsumerGroupTestContext();
        var topic = context.Topics.Create("t", 2);
        context.Join("a", ["t"], rebalanceTimeoutMs: 10_000);
        context.Join("b", ["t"]);

        // a keeps claiming both partitions: it stays UNREVOKED_PARTITIONS and b gets nothing.
        for (var i = 0; i < 8 && context.GroupState.Members.ContainsKey("a"); i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(3));
            var response = context.Send(new ConsumerGroupHeartbeatRequest
            {
                GroupId = ConsumerGroupTestContext.Group,
                MemberId = "a",
                MemberEpoch = 1,
                TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = topic, Partitions = [0, 1] }],
            });
            if (response.ErrorCode != 0)
            {
                Assert.Equal((short)ErrorCode.UnknownMemberId, response.ErrorCode);
                break;
            }

            context.Heartbeat("b");
            Assert.Empty(context.Owned("b"));
        }

        Assert.False(context.GroupState.Members.ContainsKey("a"), "a was fenced after its rebalance timeout");
        context.Forget("a");
        context.HeartbeatUntilStable("b");
        Assert.Equal(2, context.Owned("b").Count);
    }

    [Fact]
    public void RegexSubscription_PicksUpANewTopic_AndIgnoresInternalOnes()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("logs-app", 2);
        context.Topics.Create("metrics", 2);
        context.Topics.Create("logs-internal", 1, isInternal: true);
        context.Join("a", regex: "logs-.*");
        context.HeartbeatUntilStable("a");
        Assert.Equal(2, context.Owned("a").Count);
        var epoch = context.GroupState.GroupEpoch;

        var created = context.Topics.Create("logs-db", 3);
        context.HeartbeatUntilStable("a");

        Assert.Equal(5, context.Owned("a").Count);
        Assert.Equal(3, context.Owned("a").Count(p => p.TopicId == created));
        Assert.True(context.GroupState.GroupEpoch > epoch, "a new matching topic bumps the group epoch");
    }

    [Fact]
    public void GrowingASubscribedTopic_AssignsTheNewPartitions()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 2);
        context.Join("a", ["t"]);
        context.Topics.Grow("t", 4);

        context.HeartbeatUntilStable("a");

        Assert.Equal(4, context.Owned("a").Count);
    }

    [Fact]
    public void SubscriptionChange_MovesTheMemberToTheNewTopic()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("x", 1);
        var y = context.Topics.Create("y", 1);
        context.Join("a", ["x"]);
        context.HeartbeatUntilStable("a");

        var response = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberId = "a", MemberEpoch = context.Epoch("a"), SubscribedTopicNames = ["y"] });

        // Still owns x (no owned list sent): it must revoke x first.
        Assert.Equal(0, response.ErrorCode);
        Assert.Empty(response.Assignment!.TopicPartitions);
        context.HeartbeatUntilStable("a");
        Assert.Equal([new TopicIdPartition(y, 0)], context.Owned("a"));
    }

    [Fact]
    public void OffsetCommit_ChecksTheMemberEpoch()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Join("a", ["t"]);

        ErrorCode Commit(string memberId, int epoch) => (ErrorCode)context.Inner.Apply(context.Core.CommitOffsets(new OffsetCommitRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            MemberId = memberId,
            GenerationIdOrMemberEpoch = epoch,
            Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "t", Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 42 }] }],
        })).Topics[0].Partitions[0].ErrorCode;

        Assert.Equal(ErrorCode.None, Commit("a", 1));
        Assert.Equal(ErrorCode.StaleMemberEpoch, Commit("a", 0));
        Assert.Equal(ErrorCode.UnknownMemberId, Commit("ghost", 1));
        Assert.Equal(ErrorCode.UnknownMemberId, Commit("", -1));
        Assert.Equal(42, context.Inner.Committed("t", 0, ConsumerGroupTestContext.Group));

        var fetched = context.Core.FetchOffsets(ConsumerGroupTestContext.Group, null, "a", 0);
        Assert.Equal((short)ErrorCode.StaleMemberEpoch, fetched.ErrorCode);
        Assert.Equal(0, context.Core.FetchOffsets(ConsumerGroupTestContext.Group, null, "a", 1).ErrorCode);

        context.Leave("a");
        Assert.Equal(ErrorCode.None, Commit("", -1));
    }

    [Fact]
    public void ClassicJoin_OnAConsumerGroupWithMembers_WithAMalformedSubscription_IsInconsistentGroupProtocol()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Join("a", ["t"]);

        var response = context.Core.JoinGroup(1, new JoinGroupRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = [] }],
        }, 3, "c", "h");

        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, response.Response!.ErrorCode);
    }

    [Fact]
    public void Heartbeat_OnAClassicGroupWithAMalformedSubscription_IsGroupIdNotFound()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Inner.Apply(context.Core.JoinGroup(1, new JoinGroupRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            MemberId = "",
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = [] }],
        }, 3, "c", "h"));

        var response = context.Join("a", ["t"]);

        Assert.Equal((short)ErrorCode.GroupIdNotFound, response.ErrorCode);
        Assert.Contains("classic group", response.ErrorMessage);
    }

    [Fact]
    public void DescribeAndListGroups_ShowTheConsumerGroup()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 2);
        context.Join("a", ["t"]);

        var described = Assert.Single(context.Core.ConsumerGroupDescribe([ConsumerGroupTestContext.Group, "nope"]).Groups, g => g.ErrorCode == 0);
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal("uniform", described.AssignorName);
        var member = Assert.Single(described.Members);
        Assert.Equal(["t"], member.SubscribedTopicNames);
        Assert.Equal("t", member.Assignment.TopicPartitions.Single().TopicName);

        var listed = Assert.Single(context.Core.ListGroups([], ["consumer"]).Groups);
        Assert.Equal(GroupCoordinator.ConsumerGroupType, listed.GroupType);
        Assert.Equal((short)ErrorCode.NonEmptyGroup, context.Inner.Apply(context.Core.DeleteGroups([ConsumerGroupTestContext.Group])).Results[0].ErrorCode);

        context.Leave("a");
        Assert.Equal(0, context.Inner.Apply(context.Core.DeleteGroups([ConsumerGroupTestContext.Group])).Results[0].ErrorCode);
        Assert.Null(context.Core.TryGetConsumerGroup(ConsumerGroupTestContext.Group));
    }

    [Fact]
    public void ReplayingTheRecords_RebuildsTheGroup_AndEveryRecordRoundTripsThroughTheSerde()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 6);
        context.Join("a", ["t"]);
        context.Join("b", ["t"], regex: null);
        context.Join("c", regex: "t|u");
        context.HeartbeatUntilStable("a", "b", "c");
        context.Leave("b");
        context.HeartbeatUntilStable("a", "c");

        var reloaded = new GroupCoordinator(context.Inner.Config, context.Inner.Time, new Random(1), context.Topics);
        foreach (var record in context.Inner.Log)
        {
            var key = CoordinatorRecordSerde.EncodeKey(record);
            var value = CoordinatorRecordSerde.EncodeValue(record);
            var decoded = CoordinatorRecordSerde.Decode(key, value, value is null);
            Assert.NotNull(decoded);
            reloaded.Replay(decoded);
        }

        var original = context.GroupState;
        var restored = reloaded.TryGetConsumerGroup(ConsumerGroupTestContext.Group)!;
        Assert.Equal(original.GroupEpoch, restored.GroupEpoch);
        Assert.Equal(original.AssignmentEpoch, restored.AssignmentEpoch);
        Assert.Equal(original.Members.Keys, restored.Members.Keys);
        foreach (var (memberId, member) in original.Members)
        {
            Assert.True(member.Assignment.SameAs(restored.Members[memberId].Assignment), memberId);
            Assert.True(member.Metadata.SameAs(restored.Members[memberId].Metadata), memberId);
            Assert.Equal(member.Target, restored.Members[memberId].Target);
        }
    }

    [Fact]
    public void AfterAReload_MembersKeepTheirEpochsAndPartitions()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 4);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.HeartbeatUntilStable("a", "b");
        var owned = context.Owned("a");

        var reloaded = new GroupCoordinator(context.Inner.Config, context.Inner.Time, new Random(1), context.Topics);
        for (var partition = 0; partition < context.Inner.Config.OffsetsTopicNumPartitions; partition++)
        {
            reloaded.BeginLoading(partition);
        }

        foreach (var record in context.Inner.Log)
        {
            reloaded.Replay(record);
        }

        for (var partition = 0; partition < context.Inner.Config.OffsetsTopicNumPartitions; partition++)
        {
            reloaded.CompleteLoading(partition);
        }

        var response = reloaded.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatRequest
        {
            GroupId = ConsumerGroupTestContext.Group,
            MemberId = "a",
            MemberEpoch = context.Epoch("a"),
            TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = owned.First().TopicId, Partitions = [.. owned.Select(p => p.Partition)] }],
        }, 1, "client", "host").Response!;

        Assert.Equal(0, response.ErrorCode);
        Assert.True(response.MemberEpoch >= context.Epoch("a"));
    }
}
