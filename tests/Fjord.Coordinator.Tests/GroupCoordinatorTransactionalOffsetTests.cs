using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorTransactionalOffsetTests
{
    private sealed class OnlyTopicA : ITopicPartitionView
    {
        public bool Exists(string topic, int partition) => topic == "topic-a" && partition is >= 0 and < 3;

        public long? HighWatermark(string topic, int partition) => Exists(topic, partition) ? 100 : null;
    }

    [Fact]
    public void TxnCommit_PendingOffset_IsInvisibleUntilTheCommitMarker()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 10);
        var response = context.TxnCommit(producerId: 7, "topic-a", 0, 20);
        Assert.Equal(0, response.Topics[0].Partitions[0].ErrorCode);
        var output = Assert.IsType<OffsetCommitRecord>(context.Log[^1]);
        Assert.Equal(20, output.Value!.Offset);

        Assert.Equal((ErrorCode.None, 10L), context.Fetch("topic-a", 0, requireStable: false));
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), context.Fetch("topic-a", 0, requireStable: true));
        Assert.True(context.Core.HasPendingTransactionalOffsets(GroupCoordinatorTestContext.Group, "topic-a", 0));

        context.EndTransaction(7, commit: true);
        Assert.Equal((ErrorCode.None, 20L), context.Fetch("topic-a", 0, requireStable: true));
        Assert.False(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
    }

    [Fact]
    public void TxnCommit_ResultCarriesTheProducerForATransactionalBatch()
    {
        var context = new GroupCoordinatorTestContext();
        var request = new TxnOffsetCommitRequest
        {
            TransactionalId = "t",
            GroupId = "g",
            ProducerId = 11,
            ProducerEpoch = 4,
            Topics = [new() { Name = "topic-a", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5 }] }],
        };
        var result = context.Core.CommitTransactionalOffsets(request, 3);
        Assert.Equal(new TransactionalProducer(11, 4), result.Transaction);
        Assert.Single(result.Records);
    }

    [Fact]
    public void TxnCommit_AbortMarker_DropsPendingOffsets()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 10);
        context.TxnCommit(7, "topic-a", 0, 20);
        context.TxnCommit(7, "topic-a", 1, 21);
        context.EndTransaction(7, commit: false);
        Assert.Equal((ErrorCode.None, 10L), context.Fetch("topic-a", 0, requireStable: true));
        Assert.Equal((ErrorCode.None, -1L), context.Fetch("topic-a", 1, requireStable: true));
        Assert.False(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
    }

    [Fact]
    public void FetchAll_RequireStable_MarksCommittedPartitionsWithPendingOffsets()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 10);
        context.Commit("", -1, "topic-a", 1, 11);
        context.TxnCommit(7, "topic-a", 1, 21);
        context.TxnCommit(7, "topic-a", 2, 22);

        var stable = context.Core.FetchOffsets(GroupCoordinatorTestContext.Group, null, requireStable: true);
        var partitions = Assert.Single(stable.Topics).Partitions;

        // As Kafka's fetchAllOffsets: only partitions with a committed offset are listed.
        Assert.Equal([0, 1], partitions.Select(p => p.PartitionIndex));
        Assert.Equal([0, (short)ErrorCode.UnstableOffsetCommit], partitions.Select(p => p.ErrorCode));
        Assert.Equal([10L, -1L], partitions.Select(p => p.CommittedOffset));

        var unstable = context.Core.FetchOffsets(GroupCoordinatorTestContext.Group, null);
        Assert.Equal([10L, 11L], unstable.Topics.Single().Partitions.Select(p => p.CommittedOffset));
    }

    [Fact]
    public void CommitMarker_PlainCommitWrittenAfterThePendingOffset_Wins()
    {
        var context = new GroupCoordinatorTestContext();
        context.TxnCommit(7, "topic-a", 0, 20);
        context.Commit("", -1, "topic-a", 0, 30);
        context.EndTransaction(7, commit: true);
        Assert.Equal((ErrorCode.None, 30L), context.Fetch("topic-a", 0, requireStable: true));
    }

    [Fact]
    public void CommitMarker_PendingOffsetWrittenAfterAPlainCommit_Wins()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 30);
        context.TxnCommit(7, "topic-a", 0, 20);
        context.EndTransaction(7, commit: true);
        Assert.Equal((ErrorCode.None, 20L), context.Fetch("topic-a", 0, requireStable: true));
    }

    [Fact]
    public void TwoProducers_PendingOnOneGroup_ResolveIndependently()
    {
        var context = new GroupCoordinatorTestContext();
        context.TxnCommit(1, "topic-a", 0, 100);
        context.TxnCommit(2, "topic-a", 0, 200);
        context.TxnCommit(2, "topic-a", 1, 201);

        context.EndTransaction(1, commit: false);
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), context.Fetch("topic-a", 0, requireStable: true));
        Assert.True(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));

        context.EndTransaction(2, commit: true);
        Assert.Equal((ErrorCode.None, 200L), context.Fetch("topic-a", 0, requireStable: true));
        Assert.Equal((ErrorCode.None, 201L), context.Fetch("topic-a", 1, requireStable: true));
        Assert.False(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
    }

    [Fact]
    public void Marker_OfAnotherOffsetsPartition_LeavesThePendingOffsetsAlone()
    {
        var context = new GroupCoordinatorTestContext();
        context.TxnCommit(1, "topic-a", 0, 100);
        var otherPartition = (context.Core.PartitionFor(GroupCoordinatorTestContext.Group) + 1) % context.Config.OffsetsTopicNumPartitions;
        Assert.Equal(ErrorCode.None, context.Core.CompleteTransaction(otherPartition, 1, commit: true));
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), context.Fetch("topic-a", 0, requireStable: true));
    }

    [Fact]
    public void CompleteTransaction_WhilePartitionLoadsOrIsNotCoordinated_LeavesItToTheLoader()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        context.Core.BeginLoading(0);
        Assert.Equal(ErrorCode.None, context.Core.CompleteTransaction(0, 1, commit: true));
        Assert.Equal(ErrorCode.NotCoordinator, context.Core.CompleteTransaction(1, 1, commit: true));
    }

    [Fact]
    public void TxnCommit_Kip447_ClassicGroupMemberChecks()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        Assert.Equal(ErrorCode.None, context.TxnCommitError(1, follower, generation));
        Assert.Equal(ErrorCode.UnknownMemberId, context.TxnCommitError(1, "ghost", generation));
        Assert.Equal(ErrorCode.IllegalGeneration, context.TxnCommitError(1, follower, generation + 1));
        Assert.Equal(ErrorCode.IllegalGeneration, context.TxnCommitError(1, leader, -1));

        // Generation -1 without a member is not checked (and versions below 3 send no member), unlike OffsetCommit.
        Assert.Equal(ErrorCode.None, context.TxnCommitError(1, "", -1));
        Assert.Equal(ErrorCode.UnknownMemberId, context.CommitError("", -1));
        Assert.Equal(ErrorCode.None, context.TxnCommitError(1, "ghost", generation + 1, version: 2));
    }

    [Fact]
    public void TxnCommit_DuringCompletingRebalance_IsAccepted()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(token).GenerationId;
        Assert.Equal(GroupState.CompletingRebalance, context.GroupState.State);

        // Kafka enforces no group state for transactional commits (OffsetCommit answers REBALANCE_IN_PROGRESS here).
        Assert.Equal(ErrorCode.None, context.TxnCommitError(1, member, generation));
        Assert.Equal(ErrorCode.RebalanceInProgress, context.CommitError(member, generation));
    }

    [Fact]
    public void TxnCommit_UnknownGroup_GenerationMinusOneCreatesSimpleGroup_OtherwiseIllegalGeneration()
    {
        var context = new GroupCoordinatorTestContext();
        Assert.Equal(ErrorCode.IllegalGeneration, (ErrorCode)context.TxnCommit(1, "topic-a", 0, 5, "m", 3, group: "other").Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, context.TxnCommit(1, "topic-a", 0, 5, group: "simple").Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(GroupState.Empty, context.Core.TryGetGroup("simple")!.State);
    }

    [Fact]
    public void TxnCommit_StaticMemberWithAnotherMemberId_IsFencedInstanceId()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew(instanceId: "instance-a");
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(token).GenerationId;
        context.Sync(member, generation, new Dictionary<string, byte[]> { [member] = [] }, instanceId: "instance-a");

        Assert.Equal(ErrorCode.None, context.TxnCommitError(1, member, generation, "instance-a"));
        Assert.Equal(ErrorCode.FencedInstanceId, context.TxnCommitError(1, "instance-a-zombie", generation, "instance-a"));
        Assert.Equal(ErrorCode.UnknownMemberId, context.TxnCommitError(1, member, generation, "instance-b"));
    }

    [Fact]
    public void TxnCommit_ConsumerGroup_ChecksTheMemberEpoch_StaleIsIllegalGeneration()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 1);
        context.Join("a", ["t"]);
        ErrorCode TxnCommit(string memberId, int epoch) =>
            (ErrorCode)context.Inner.TxnCommit(1, "t", 0, 42, memberId, epoch, group: ConsumerGroupTestContext.Group).Topics[0].Partitions[0].ErrorCode;

        Assert.Equal(ErrorCode.None, TxnCommit("a", 1));
        Assert.Equal(ErrorCode.IllegalGeneration, TxnCommit("a", 0));
        Assert.Equal(ErrorCode.UnknownMemberId, TxnCommit("ghost", 1));
        Assert.Equal(ErrorCode.UnknownMemberId, TxnCommit("", -1));

        context.Inner.EndTransaction(1, commit: true, group: ConsumerGroupTestContext.Group);
        Assert.Equal(42, context.Inner.Committed("t", 0, ConsumerGroupTestContext.Group));

        context.Leave("a");
        Assert.Equal(ErrorCode.None, TxnCommit("", -1));
    }

    [Fact]
    public void TxnCommit_UnknownPartitionAndLargeMetadata_AreRejectedPerPartition_AsOffsetCommit()
    {
        var context = new GroupCoordinatorTestContext(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetMetadataMaxBytes = 4 }, new OnlyTopicA());
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, context.TxnCommit(1, "topic-b", 0, 1).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal((short)ErrorCode.OffsetMetadataTooLarge, context.TxnCommit(1, "topic-a", 0, 1, metadata: "12345").Topics[0].Partitions[0].ErrorCode);
        Assert.Empty(context.Log);
        Assert.False(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
    }

    [Fact]
    public void TxnCommit_EmptyGroupIdOrLoadingPartition_IsRefused()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        context.Core.BeginLoading(context.Core.PartitionFor(GroupCoordinatorTestContext.Group));
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, context.TxnCommitError(1, "", -1));
        Assert.Equal(ErrorCode.InvalidGroupId, (ErrorCode)context.TxnCommit(1, "topic-a", 0, 1, group: "").Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public void DeleteGroups_WritesTombstonesForPendingOnlyPartitions_AndTheMarkerMaterializesNothing()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 10);
        context.TxnCommit(1, "topic-a", 0, 20);
        context.TxnCommit(1, "topic-a", 1, 21);
        var before = context.Log.Count;

        var deleted = context.Apply(context.Core.DeleteGroups([GroupCoordinatorTestContext.Group]));
        Assert.Equal(0, Assert.Single(deleted.Results).ErrorCode);
        var tombstones = context.Log.Skip(before).ToList();
        Assert.Equal(
            [("topic-a", 0), ("topic-a", 1)],
            tombstones.OfType<OffsetCommitRecord>().Select(r => (r.Topic, r.Partition)).Order());
        Assert.All(tombstones, r => Assert.True(r.IsTombstone));
        Assert.IsType<GroupMetadataRecord>(tombstones[^1]);

        context.EndTransaction(1, commit: true);
        Assert.Null(context.Committed("topic-a", 0));
        Assert.Null(context.Committed("topic-a", 1));
    }

    [Fact]
    public void DeleteOffsets_PendingOnlyPartition_GetsATombstoneThatDropsThePendingOffset()
    {
        var context = new GroupCoordinatorTestContext();
        context.Commit("", -1, "topic-a", 0, 10);
        context.TxnCommit(1, "topic-a", 1, 21);
        var response = context.Apply(context.Core.DeleteOffsets(new OffsetDeleteRequest
        {
            GroupId = GroupCoordinatorTestContext.Group,
            Topics = [new() { Name = "topic-a", Partitions = [new() { PartitionIndex = 1 }] }],
        }));
        Assert.Equal(0, response.ErrorCode);
        var tombstone = Assert.IsType<OffsetCommitRecord>(context.Log[^1]);
        Assert.Equal(("topic-a", 1, true), (tombstone.Topic, tombstone.Partition, tombstone.IsTombstone));
        Assert.False(context.Core.HasPendingTransactionalOffsets(GroupCoordinatorTestContext.Group, "topic-a", 1));

        // Kafka keeps the transaction open for the group until its marker.
        Assert.True(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
        context.EndTransaction(1, commit: true);
        Assert.Null(context.Committed("topic-a", 1));
        Assert.Equal(10, context.Committed("topic-a", 0));
    }

    [Fact]
    public void Expiry_WaitsForTheTransaction_OfPendingPartitionsAndOfTheGroup()
    {
        var config = new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, OffsetsRetentionMs = 10_000, OffsetsRetentionCheckIntervalMs = 1_000 };
        var context = new GroupCoordinatorTestContext(config);
        context.Advance(TimeSpan.FromMilliseconds(1));
        context.Commit("", -1, "topic-a", 0, 10);
        context.Commit("", -1, "topic-a", 1, 11);
        context.TxnCommit(1, "topic-a", 0, 20);
        context.TxnCommit(2, "topic-a", 2, 22);
        context.Advance(TimeSpan.FromSeconds(11));

        // Partition 1 expired; partition 0 has a pending offset; the group has open transactions.
        Assert.Equal(10, context.Committed("topic-a", 0));
        Assert.Null(context.Committed("topic-a", 1));
        Assert.NotNull(context.Core.TryGetGroup(GroupCoordinatorTestContext.Group));

        context.EndTransaction(1, commit: false);
        context.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(context.Committed("topic-a", 0));
        Assert.NotNull(context.Core.TryGetGroup(GroupCoordinatorTestContext.Group));

        context.EndTransaction(2, commit: false);
        context.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(context.Core.TryGetGroup(GroupCoordinatorTestContext.Group));
        Assert.True(Assert.IsType<GroupMetadataRecord>(context.Log[^1]).IsTombstone);
    }

    [Fact]
    public void Unload_DropsThePartitionsPendingOffsets()
    {
        var context = new GroupCoordinatorTestContext();
        context.TxnCommit(1, "topic-a", 0, 20);
        var partition = context.Core.PartitionFor(GroupCoordinatorTestContext.Group);
        context.ApplyOutput(context.Core.Unload(partition));
        Assert.False(context.Core.HasOpenTransactions(GroupCoordinatorTestContext.Group));
        Assert.False(context.Core.HasPendingTransactionalOffsets(GroupCoordinatorTestContext.Group, "topic-a", 0));
    }
}
