using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorOffsetTests
{
    private sealed class OnlyTopicA : ITopicPartitionView
    {
        public bool Exists(string topic, int partition) => topic == "topic-a" && partition is >= 0 and < 3;

        public long? HighWatermark(string topic, int partition) => Exists(topic, partition) ? 100 : null;
    }

    [Fact]
    public void Commit_SimpleGroupWithGenerationMinusOne_StoresOffsets()
    {
        var context = new GroupCoordinatorTestContext();
        var response = context.Commit("", -1, "topic-a", 0, 42, "meta", group: "simple");
        Assert.Equal(0, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(42, context.Committed("topic-a", 0, "simple"));
        var stored = Assert.IsType<OffsetCommitRecord>(Assert.Single(context.Log));
        Assert.Equal(new OffsetCommitValue(42, 3, "meta", context.Time.GetUtcNow().ToUnixTimeMilliseconds()), stored.Value);
        Assert.Equal(GroupState.Empty, context.Core.TryGetGroup("simple")!.State);
    }

    [Fact]
    public void Commit_UnknownGroupWithGeneration_IsIllegalGeneration()
    {
        var context = new GroupCoordinatorTestContext();
        Assert.Equal(ErrorCode.IllegalGeneration, context.CommitError("m", 1));
    }

    [Fact]
    public void Commit_MemberOfStableGroup_Succeeds_AndErrorsAreKafkas()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        Assert.Equal(ErrorCode.None, context.CommitError(follower, generation));
        Assert.Equal(ErrorCode.UnknownMemberId, context.CommitError("ghost", generation));
        Assert.Equal(ErrorCode.IllegalGeneration, context.CommitError(follower, generation + 1));
        Assert.Equal(ErrorCode.UnknownMemberId, context.CommitError("", -1));

        // Still allowed while the group prepares a rebalance: the member owns its partitions until it rejoins.
        context.Join(memberId: leader);
        Assert.Equal(ErrorCode.None, context.CommitError(follower, generation));
    }

    [Fact]
    public void Commit_DuringCompletingRebalance_IsRebalanceInProgress()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        Assert.Equal(ErrorCode.RebalanceInProgress, context.CommitError(member, context.JoinResult(token).GenerationId));
    }

    [Fact]
    public void Commit_MetadataTooLarge_IsRejectedPerPartition()
    {
        var context = new GroupCoordinatorTestContext(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetMetadataMaxBytes = 4 });
        var response = context.Commit("", -1, "topic-a", 0, 1, "12345");
        Assert.Equal((short)ErrorCode.OffsetMetadataTooLarge, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Empty(context.Log);
    }

    [Fact]
    public void Commit_UnknownPartition_IsUnknownTopicOrPartition()
    {
        var context = new GroupCoordinatorTestContext(partitions: new OnlyTopicA());
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, context.Commit("", -1, "topic-b", 0, 1).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, context.Commit("", -1, "topic-a", 7, 1).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, context.Commit("", -1, "topic-a", 2, 1).Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public void Commit_Loading_IsCoordinatorLoadInProgress()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        context.Core.BeginLoading(context.Core.PartitionFor(GroupCoordinatorTestContext.Group));
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, context.CommitError("", -1));
    }

    [Fact]
    public void Fetch_AllTopics_ReturnsEveryCommittedOffsetSorted()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-b", 1, 11);
        context.Commit("", -1, "topic-a", 1, 21);
        context.Commit("", -1, "topic-a", 0, 20);
        var fetched = context.Core.FetchOffsets(GroupCoordinatorTestContext.Group, null);
        Assert.Equal(["topic-a", "topic-b"], fetched.Topics.Select(t => t.Name));
        Assert.Equal([20L, 21L], fetched.Topics[0].Partitions.Select(p => p.CommittedOffset));
        Assert.Equal(3, fetched.Topics[0].Partitions[0].CommittedLeaderEpoch);
    }

    [Fact]
    public void Fetch_UnknownGroupOrPartition_AnswersMinusOneWithoutError()
    {
        var context = new GroupCoordinatorTestContext();
        var fetched = context.Core.FetchOffsets("nobody", [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = "t", PartitionIndexes = [0] }]);
        Assert.Equal(0, fetched.ErrorCode);
        Assert.Equal(-1, fetched.Topics[0].Partitions[0].CommittedOffset);
        Assert.Equal(0, fetched.Topics[0].Partitions[0].ErrorCode);
        Assert.Empty(context.Core.FetchOffsets("nobody", null).Topics);
    }

    [Fact]
    public void Fetch_NotCoordinator_IsGroupError()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        Assert.Equal((short)ErrorCode.NotCoordinator, context.Core.FetchOffsets("g", null).ErrorCode);
    }

    [Fact]
    public void DeleteOffsets_Cases()
    {
        var context = new GroupCoordinatorTestContext();
        var request = new OffsetDeleteRequest
        {
            GroupId = GroupCoordinatorTestContext.Group,
            Topics = [new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = "topic-a", Partitions = [new() { PartitionIndex = 0 }] }],
        };
        Assert.Equal((short)ErrorCode.GroupIdNotFound, context.Apply(context.Core.DeleteOffsets(request)).ErrorCode);

        var (_, follower, generation) = context.StableGroupOfTwo();
        context.Commit(follower, generation, "topic-a", 0, 5);
        context.Commit(follower, generation, "topic-x", 0, 6);
        var subscribed = context.Apply(context.Core.DeleteOffsets(request));
        Assert.Equal((short)ErrorCode.GroupSubscribedToTopic, subscribed.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(5, context.Committed("topic-a", 0));

        request.Topics[0].Name = "topic-x";
        var deleted = context.Apply(context.Core.DeleteOffsets(request));
        Assert.Equal(0, deleted.Topics[0].Partitions[0].ErrorCode);
        Assert.Null(context.Committed("topic-x", 0));
        Assert.True(Assert.IsType<OffsetCommitRecord>(context.Log[^1]).IsTombstone);
    }

    [Fact]
    public void DeleteOffsets_NonConsumerGroupWithMembers_IsNonEmptyGroup()
    {
        var context = new GroupCoordinatorTestContext();
        context.Join(protocolType: "connect", version: 3);
        var request = new OffsetDeleteRequest { GroupId = GroupCoordinatorTestContext.Group };
        Assert.Equal((short)ErrorCode.NonEmptyGroup, context.Apply(context.Core.DeleteOffsets(request)).ErrorCode);
    }

    [Fact]
    public void Expiry_EmptyConsumerGroup_OffsetsExpireAfterRetentionThenGroupIsDeleted()
    {
        var config = new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetsRetentionMs = 60_000, OffsetsRetentionCheckIntervalMs = 1_000 };
        var context = new GroupCoordinatorTestContext(config);
        context.Advance(TimeSpan.FromMilliseconds(1)); // arms the retention check
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(token).GenerationId;
        context.Sync(member, generation, new Dictionary<string, byte[]> { [member] = [] });
        context.Commit(member, generation, "topic-a", 0, 7);
        context.Leave((member, null));
        Assert.Equal(GroupState.Empty, context.GroupState.State);

        context.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(7, context.Committed("topic-a", 0));
        context.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(context.Committed("topic-a", 0));
        Assert.Null(context.Core.TryGetGroup(GroupCoordinatorTestContext.Group));
        Assert.True(Assert.IsType<GroupMetadataRecord>(context.Log[^1]).IsTombstone);
    }

    [Fact]
    public void Expiry_StableGroup_KeepsOffsetsOfSubscribedTopics()
    {
        var config = new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetsRetentionMs = 60_000, OffsetsRetentionCheckIntervalMs = 1_000 };
        var context = new GroupCoordinatorTestContext(config);
        context.Advance(TimeSpan.FromMilliseconds(1));
        var (leader, follower, generation) = context.StableGroupOfTwo();
        context.Commit(follower, generation, "topic-a", 0, 1);
        context.Commit(follower, generation, "old-topic", 0, 2);
        for (var i = 0; i < 14; i++)
        {
            context.Advance(TimeSpan.FromSeconds(5));
            context.Heartbeat(leader, generation);
            context.Heartbeat(follower, generation);
        }

        Assert.Equal(1, context.Committed("topic-a", 0));
        Assert.Null(context.Committed("old-topic", 0));
    }

    [Fact]
    public void Expiry_SimpleGroup_ExpiresByCommitTimestamp()
    {
        var config = new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetsRetentionMs = 10_000, OffsetsRetentionCheckIntervalMs = 1_000 };
        var context = new GroupCoordinatorTestContext(config);
        context.Advance(TimeSpan.FromMilliseconds(1));
        context.Commit("", -1, "topic-a", 0, 1);
        context.Advance(TimeSpan.FromSeconds(5));
        context.Commit("", -1, "topic-a", 1, 1);
        context.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(context.Committed("topic-a", 0));
        Assert.Equal(1, context.Committed("topic-a", 1));
    }
}
