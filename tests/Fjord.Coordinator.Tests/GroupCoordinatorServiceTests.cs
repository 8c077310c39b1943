using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorServiceTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private sealed class FixedHighWatermarks : ITopicPartitionView
    {
        public bool Exists(string topic, int partition) => true;

        public long? HighWatermark(string topic, int partition) => topic == "topic-a" ? 100 : null;
    }

    private static GroupCoordinatorService NewService(InMemoryConsumerOffsetsLog log, FakeTimeProvider time) =>
        new(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 3 }, log, new FixedHighWatermarks(), time, NullLogger<GroupCoordinatorService>.Instance, new Random(7));

    private static JoinGroupRequest JoinRequest(string memberId) => new()
    {
        GroupId = "g",
        SessionTimeoutMs = 10_000,
        RebalanceTimeoutMs = 10_000,
        MemberId = memberId,
        ProtocolType = "consumer",
        Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = GroupCoordinatorTestContext.Subscription("topic-a") }],
    };

    private static OffsetCommitRequest CommitRequest(string memberId, int generation, long offset) => new()
    {
        GroupId = "g",
        MemberId = memberId,
        GenerationIdOrMemberEpoch = generation,
        Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "topic-a", Partitions = [new() { PartitionIndex = 0, CommittedOffset = offset }] }],
    };

    private static async Task<T> Within<T>(Task<T> task, FakeTimeProvider time, string what)
    {
        var started = DateTime.UtcNow;
        while (!task.IsCompleted)
        {
            Assert.True(DateTime.UtcNow - started < s_deadline, $"{what} did not complete");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(5));
        }

        return await task;
    }

    /// <summary>A member joins group "g" (KIP-394: first MEMBER_ID_REQUIRED, then the join with that id) and completes its first generation's sync.</summary>
    private static async Task<JoinGroupResponse> JoinAndSyncAsync(GroupCoordinatorService service, FakeTimeProvider time, byte[] assignment)
    {
        var required = await service.JoinGroupAsync(JoinRequest(""), 5, "client", "/127.0.0.1");
        Assert.Equal((short)ErrorCode.MemberIdRequired, required.ErrorCode);
        var joined = await Within(service.JoinGroupAsync(JoinRequest(required.MemberId), 5, "client", "/127.0.0.1"), time, "JoinGroup");
        Assert.Equal(0, joined.ErrorCode);
        var sync = new SyncGroupRequest
        {
            GroupId = "g",
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = [new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = joined.MemberId, Assignment = assignment }],
        };
        var synced = await service.SyncGroupAsync(sync, 3);
        Assert.Equal(0, synced.ErrorCode);
        Assert.Equal(assignment, synced.Assignment);
        return joined;
    }

    [Fact]
    public async Task Service_JoinSyncCommit_ThenRestart_LoadsCommittedOffsets()
    {
        var log = new InMemoryConsumerOffsetsLog();
        var time = new FakeTimeProvider();
        var service = NewService(log, time);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(ErrorCode.None, service.EnsureOffsetsTopic());

        var joined = await JoinAndSyncAsync(service, time, [4, 2]);
        Assert.Equal(1, joined.GenerationId);

        var committed = await service.CommitOffsetsAsync(CommitRequest(joined.MemberId, 1, 60));
        Assert.Equal(0, committed.Topics[0].Partitions[0].ErrorCode);
        var lag = Assert.Single(await service.DescribeLagAsync("g"));
        Assert.Equal(new PartitionLag("topic-a", 0, 60, 100, 40), lag);
        await service.StopAsync(CancellationToken.None);

        var restarted = NewService(log, time);
        await restarted.StartAsync(CancellationToken.None);
        var started = DateTime.UtcNow;
        OffsetFetchResponse.OffsetFetchResponseGroup fetched;
        do
        {
            Assert.True(DateTime.UtcNow - started < s_deadline, "the restarted coordinator never finished loading");
            fetched = await restarted.FetchOffsetsAsync("g", null);
        }
        while (fetched.ErrorCode == (short)ErrorCode.CoordinatorLoadInProgress);

        Assert.Equal(60, fetched.Topics.Single().Partitions.Single().CommittedOffset);
        var described = await restarted.DescribeGroupAsync("g");
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal(new byte[] { 4, 2 }, described.Members.Single().MemberAssignment);
        await restarted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Service_DeleteGroupsJustPastAMembersSessionDeadline_ExpiresItFirst_AndDeletesTheGroup()
    {
        var log = new InMemoryConsumerOffsetsLog();
        var time = new FakeTimeProvider();
        var service = NewService(log, time);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(ErrorCode.None, service.EnsureOffsetsTopic());
        await JoinAndSyncAsync(service, time, [1]);
        Assert.Equal((short)ErrorCode.NonEmptyGroup, (await service.DeleteGroupsAsync(["g"])).Results[0].ErrorCode);

        // One millisecond past the session (10 s) with no periodic tick in between (AdjustTime fires no timer): Kafka's
        // per-member timer has expired the member by now, so DeleteGroups must not see it.
        time.AdjustTime(time.GetUtcNow() + TimeSpan.FromMilliseconds(10_001));
        var deleted = await service.DeleteGroupsAsync(["g"]);
        Assert.Equal((short)ErrorCode.None, deleted.Results[0].ErrorCode);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Service_AppendFails_CommitAnswersCoordinatorErrorAndOffsetStaysUnset()
    {
        var log = new InMemoryConsumerOffsetsLog();
        var time = new FakeTimeProvider();
        var service = NewService(log, time);
        await service.StartAsync(CancellationToken.None);
        log.FailAppendsWith = ErrorCode.NotEnoughReplicas;
        var response = await service.CommitOffsetsAsync(CommitRequest("", -1, 5));
        Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, response.Topics[0].Partitions[0].ErrorCode);
        var fetched = await service.FetchOffsetsAsync("g", null);
        Assert.Empty(fetched.Topics);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Service_CreatesTopicOnFirstWrite()
    {
        var log = new InMemoryConsumerOffsetsLog();
        var time = new FakeTimeProvider();
        var service = NewService(log, time);
        await service.StartAsync(CancellationToken.None);
        Assert.Null(log.PartitionCount);
        await service.CommitOffsetsAsync(CommitRequest("", -1, 5));
        Assert.Equal(3, log.PartitionCount);
        Assert.Equal(1, log.BatchCount(service.PartitionFor("g")));
        await service.StopAsync(CancellationToken.None);
    }
}
