using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests;

/// <summary>Cluster mode of the shell: partitions coordinated only while led, writes answered once committed.</summary>
public class GroupCoordinatorServiceLeadershipTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private static GroupCoordinatorService NewClusterService(InMemoryConsumerOffsetsLog log) =>
        new(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 3 }, log, new AlwaysExists(), new FakeTimeProvider(),
            NullLogger<GroupCoordinatorService>.Instance, new Random(7), leadsEveryPartition: false);

    private static OffsetCommitRequest Commit(long offset) => new()
    {
        GroupId = "g",
        MemberId = "",
        GenerationIdOrMemberEpoch = -1,
        Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "topic-a", Partitions = [new() { PartitionIndex = 0, CommittedOffset = offset }] }],
    };

    /// <summary>OffsetFetch until the partition has loaded; returns the committed offset of topic-a/0, or null when none.</summary>
    private static async Task<long?> FetchWhenLoadedAsync(GroupCoordinatorService service)
    {
        var started = DateTime.UtcNow;
        OffsetFetchResponse.OffsetFetchResponseGroup fetched;
        do
        {
            Assert.True(DateTime.UtcNow - started < s_deadline, "the partition never finished loading");
            fetched = await service.FetchOffsetsAsync("g", null);
        }
        while (fetched.ErrorCode == (short)ErrorCode.CoordinatorLoadInProgress);

        Assert.Equal(0, fetched.ErrorCode);
        return fetched.Topics.SingleOrDefault()?.Partitions.Single().CommittedOffset;
    }

    [Fact]
    public async Task ClusterService_BeforeLeadership_AnswersNotCoordinator_AndAfterElection_Serves()
    {
        var log = new InMemoryConsumerOffsetsLog();
        log.CreateTopic(3);
        var service = NewClusterService(log);
        await service.StartAsync(CancellationToken.None);

        var refused = await service.CommitOffsetsAsync(Commit(5));
        Assert.Equal((short)ErrorCode.NotCoordinator, refused.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, log.BatchCount(service.PartitionFor("g")));

        service.OnBecameLeader(service.PartitionFor("g"), 0);
        Assert.Null(await FetchWhenLoadedAsync(service));
        var accepted = await service.CommitOffsetsAsync(Commit(5));
        Assert.Equal(0, accepted.Topics[0].Partitions[0].ErrorCode);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ClusterService_Resigned_AnswersNotCoordinator_AndReelection_ReloadsCommittedOffsets()
    {
        var log = new InMemoryConsumerOffsetsLog();
        log.CreateTopic(3);
        var service = NewClusterService(log);
        await service.StartAsync(CancellationToken.None);
        var partition = service.PartitionFor("g");
        service.OnBecameLeader(partition, 3);
        await FetchWhenLoadedAsync(service);
        Assert.Equal(0, (await service.CommitOffsetsAsync(Commit(42))).Topics[0].Partitions[0].ErrorCode);

        service.OnResigned(partition);
        Assert.Equal((short)ErrorCode.NotCoordinator, (await service.FetchOffsetsAsync("g", null)).ErrorCode);
        Assert.Equal((short)ErrorCode.NotCoordinator, (await service.CommitOffsetsAsync(Commit(43))).Topics[0].Partitions[0].ErrorCode);

        service.OnBecameLeader(partition, 4);
        Assert.Equal(42, await FetchWhenLoadedAsync(service));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ClusterService_CommitIsAnsweredOnlyOnceReplicated()
    {
        var log = new InMemoryConsumerOffsetsLog();
        log.CreateTopic(3);
        var service = NewClusterService(log);
        await service.StartAsync(CancellationToken.None);
        service.OnBecameLeader(service.PartitionFor("g"), 0);
        await FetchWhenLoadedAsync(service);

        var replicated = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        log.CommitWait = () => replicated.Task;
        var pending = service.CommitOffsetsAsync(Commit(7));
        // A later request passes through the loop, so the commit has been appended and is waiting.
        await service.FetchOffsetsAsync("g", null);
        Assert.False(pending.IsCompleted, "the commit was answered before the ISR had it");

        replicated.SetResult(ErrorCode.None);
        var answered = await pending.WaitAsync(s_deadline);
        Assert.Equal(0, answered.Topics[0].Partitions[0].ErrorCode);
        await service.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator)]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.CoordinatorNotAvailable)]
    public async Task ClusterService_CommitNotReplicated_AnswersKafkasCoordinatorError(ErrorCode replicationError, ErrorCode expected)
    {
        var log = new InMemoryConsumerOffsetsLog();
        log.CreateTopic(3);
        var service = NewClusterService(log);
        await service.StartAsync(CancellationToken.None);
        service.OnBecameLeader(service.PartitionFor("g"), 0);
        await FetchWhenLoadedAsync(service);

        log.CommitWait = () => Task.FromResult(replicationError);
        var answered = await service.CommitOffsetsAsync(Commit(7)).WaitAsync(s_deadline);
        Assert.Equal((short)expected, answered.Topics[0].Partitions[0].ErrorCode);
        await service.StopAsync(CancellationToken.None);
    }

    private sealed class AlwaysExists : ITopicPartitionView
    {
        public bool Exists(string topic, int partition) => true;

        public long? HighWatermark(string topic, int partition) => null;
    }
}
