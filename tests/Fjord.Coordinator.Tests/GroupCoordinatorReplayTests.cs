using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorReplayTests
{
    /// <summary>A scenario touching every record kind: snapshots, commits, offset and group tombstones.</summary>
    private static GroupCoordinatorTestContext RunScenario()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        context.Commit(follower, generation, "topic-a", 0, 10);
        context.Commit(leader, generation, "topic-a", 1, 11);
        context.Commit(follower, generation, "topic-a", 0, 12);
        context.Commit("", -1, "topic-z", 0, 1, group: "simple");
        context.Commit("", -1, "topic-z", 1, 2, group: "simple");
        context.Apply(context.Core.DeleteOffsets(new OffsetDeleteRequest
        {
            GroupId = "simple",
            Topics = [new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = "topic-z", Partitions = [new() { PartitionIndex = 1 }] }],
        }));
        context.Commit("", -1, "topic-z", 0, 3, group: "doomed");
        context.Apply(context.Core.DeleteGroups(["doomed"]));
        context.Leave((follower, null));
        context.Join(memberId: leader);
        context.Sync(leader, generation + 1, new Dictionary<string, byte[]> { [leader] = [7, 7] });
        context.Commit(leader, generation + 1, "topic-a", 1, 13);
        return context;
    }

    [Fact]
    public void Replay_EveryPrefix_RebuildsTheOffsetsThatPrefixDescribes()
    {
        var live = RunScenario();
        Assert.Contains(live.Log, r => r is GroupMetadataRecord { IsTombstone: true });
        Assert.Contains(live.Log, r => r is OffsetCommitRecord { IsTombstone: true });
        for (var length = 0; length <= live.Log.Count; length++)
        {
            var prefix = live.Log.Take(length).ToList();
            var restored = Load(prefix);
            var expected = new Dictionary<(string, string, int), long>();
            foreach (var record in prefix.OfType<OffsetCommitRecord>())
            {
                if (record.Value is null)
                {
                    expected.Remove((record.GroupId, record.Topic, record.Partition));
                }
                else
                {
                    expected[(record.GroupId, record.Topic, record.Partition)] = record.Value.Offset;
                }
            }

            var actual = new Dictionary<(string, string, int), long>();
            foreach (var group in new[] { GroupCoordinatorTestContext.Group, "simple", "doomed" })
            {
                foreach (var committed in restored.CommittedOffsets(group))
                {
                    actual[(group, committed.Topic, committed.Partition)] = committed.Offset;
                }
            }

            Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
        }
    }

    [Fact]
    public void Replay_WholeLog_RebuildsGroupSnapshotLikeTheLiveCoordinator()
    {
        var live = RunScenario();
        var restored = Load(live.Log);
        var liveGroup = live.GroupState;
        var restoredGroup = restored.TryGetGroup(GroupCoordinatorTestContext.Group)!;
        Assert.Equal(GroupState.Stable, restoredGroup.State);
        Assert.Equal(liveGroup.GenerationId, restoredGroup.GenerationId);
        Assert.Equal(liveGroup.ProtocolType, restoredGroup.ProtocolType);
        Assert.Equal(liveGroup.ProtocolName, restoredGroup.ProtocolName);
        Assert.Equal(liveGroup.LeaderId, restoredGroup.LeaderId);
        Assert.Equal(liveGroup.Members.Select(m => (m.MemberId, m.Assignment.Length)), restoredGroup.Members.Select(m => (m.MemberId, m.Assignment.Length)));
        Assert.Equal(liveGroup.CurrentStateTimestampMs, restoredGroup.CurrentStateTimestampMs);
        Assert.Null(restored.TryGetGroup("doomed"));
        Assert.Equal(GroupState.Empty, restored.TryGetGroup("simple")!.State);
    }

    [Fact]
    public void Replay_EveryPrefix_GroupSnapshotsMatchTheLastSnapshotInThePrefix()
    {
        var live = RunScenario();
        for (var length = 0; length <= live.Log.Count; length++)
        {
            var prefix = live.Log.Take(length).ToList();
            var restored = Load(prefix);
            var last = prefix.OfType<GroupMetadataRecord>().LastOrDefault(r => r.GroupId == GroupCoordinatorTestContext.Group);
            var group = restored.TryGetGroup(GroupCoordinatorTestContext.Group);
            if (last?.Value is null)
            {
                Assert.True(group is null || group.GenerationId == 0);
                continue;
            }

            Assert.NotNull(group);
            Assert.Equal(last.Value.Generation, group!.GenerationId);
            Assert.Equal(last.Value.Members.Select(m => m.MemberId), group.Members.Select(m => m.MemberId));
            Assert.Equal(last.Value.Members.Count == 0 ? GroupState.Empty : GroupState.Stable, group.State);
        }
    }

    [Fact]
    public void Replay_ThroughBatchEncoding_GivesTheSameOffsets()
    {
        var live = RunScenario();
        var restored = new GroupCoordinatorTestContext(activate: false).Core;
        var batch = CoordinatorRecordBatch.Encode(live.Log, 0);
        CoordinatorRecordBatch.DecodeAll(batch, (record, _) => restored.Replay(record));
        Assert.Equal(live.Core.CommittedOffsets(GroupCoordinatorTestContext.Group), restored.CommittedOffsets(GroupCoordinatorTestContext.Group));
        Assert.Equal(live.Core.CommittedOffsets("simple"), restored.CommittedOffsets("simple"));
    }

    [Fact]
    public void Replay_LoadedMembers_ExpireIfTheyDoNotHeartbeatAfterLoad()
    {
        var live = RunScenario();
        var restored = new GroupCoordinatorTestContext(activate: false);
        for (var partition = 0; partition < restored.Config.OffsetsTopicNumPartitions; partition++)
        {
            restored.Core.BeginLoading(partition);
        }

        foreach (var record in live.Log)
        {
            restored.Core.Replay(record);
        }

        for (var partition = 0; partition < restored.Config.OffsetsTopicNumPartitions; partition++)
        {
            restored.Core.CompleteLoading(partition);
        }

        var group = restored.GroupState;
        var member = group.Members.Single().MemberId;
        restored.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(Fjord.Protocol.Errors.ErrorCode.None, restored.Heartbeat(member, group.GenerationId));
        restored.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(GroupState.Empty, restored.GroupState.State);
    }

    private static GroupCoordinator Load(IEnumerable<CoordinatorRecord> records)
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        for (var partition = 0; partition < context.Config.OffsetsTopicNumPartitions; partition++)
        {
            context.Core.BeginLoading(partition);
        }

        foreach (var record in records)
        {
            context.Core.Replay(record);
        }

        for (var partition = 0; partition < context.Config.OffsetsTopicNumPartitions; partition++)
        {
            context.Core.CompleteLoading(partition);
        }

        return context.Core;
    }
}
