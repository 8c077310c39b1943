using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorServiceTransactionTests
{
    private const string Group = "g";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private sealed class AllPartitionsExist : ITopicPartitionView
    {
        public bool Exists(string topic, int partition) => true;

        public long? HighWatermark(string topic, int partition) => 100;
    }

    private static GroupCoordinatorService NewService(InMemoryConsumerOffsetsLog log) =>
        new(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 3 }, log, new AllPartitionsExist(), new FakeTimeProvider(), NullLogger<GroupCoordinatorService>.Instance, new Random(7));

    private static TxnOffsetCommitRequest TxnRequest(long producerId, short epoch, int partition, long offset) => new()
    {
        TransactionalId = "txn-" + producerId,
        GroupId = Group,
        ProducerId = producerId,
        ProducerEpoch = epoch,
        Topics = [new() { Name = "topic-a", Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
    };

    private static OffsetCommitRequest PlainRequest(int partition, long offset) => new()
    {
        GroupId = Group,
        GenerationIdOrMemberEpoch = -1,
        Topics = [new() { Name = "topic-a", Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
    };

    private static async Task<(ErrorCode Error, long Offset)> FetchAsync(GroupCoordinatorService service, int partition, bool requireStable)
    {
        var fetched = await service.FetchOffsetsAsync(Group, [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = "topic-a", PartitionIndexes = [partition] }], requireStable: requireStable);
        Assert.Equal(0, fetched.ErrorCode);
        var result = fetched.Topics[0].Partitions[0];
        return ((ErrorCode)result.ErrorCode, result.CommittedOffset);
    }

    private static async Task<GroupCoordinatorService> StartLoadedAsync(InMemoryConsumerOffsetsLog log)
    {
        var service = NewService(log);
        await service.StartAsync(CancellationToken.None);
        var started = DateTime.UtcNow;
        while ((await service.FetchOffsetsAsync(Group, null)).ErrorCode == (short)ErrorCode.CoordinatorLoadInProgress)
        {
            Assert.True(DateTime.UtcNow - started < s_deadline, "the coordinator never finished loading");
        }

        return service;
    }

    private static async Task CommitTxnAsync(GroupCoordinatorService service, long producerId, int partition, long offset)
    {
        var response = await service.TxnOffsetCommitAsync(TxnRequest(producerId, 0, partition, offset), 3);
        Assert.Equal(0, response.Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task TxnOffsetCommit_AppendsATransactionalBatch_PendingUntilTheMarkerIsCompleted()
    {
        var log = new InMemoryConsumerOffsetsLog();
        await using var service = await StartLoadedAsync(log);
        var partition = service.PartitionFor(Group);

        var response = await service.TxnOffsetCommitAsync(TxnRequest(42, 3, 0, 20), 3);
        Assert.Equal(0, response.Topics[0].Partitions[0].ErrorCode);
        using (var chunk = log.Read(partition, 0, 1 << 20))
        {
            var header = RecordBatchHeader.Read(chunk.Records.Span);
            Assert.True(header.IsTransactional);
            Assert.False(header.IsControl);
            Assert.Equal((42L, (short)3, RecordBatchHeader.NoSequence), (header.ProducerId, header.ProducerEpoch, header.BaseSequence));
        }

        Assert.Equal((ErrorCode.None, -1L), await FetchAsync(service, 0, requireStable: false));
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), await FetchAsync(service, 0, requireStable: true));

        log.AppendMarker(partition, 42, 3, commit: true);
        Assert.Equal(ErrorCode.None, await service.CompleteTransactionAsync(partition, 42, commit: true));
        Assert.Equal((ErrorCode.None, 20L), await FetchAsync(service, 0, requireStable: true));
    }

    [Fact]
    public async Task TxnOffsetCommit_FencedProducer_AnswersTheLogsErrorAndNothingIsPending()
    {
        var log = new InMemoryConsumerOffsetsLog();
        await using var service = await StartLoadedAsync(log);
        log.FencedProducers[42] = 5;

        var response = await service.TxnOffsetCommitAsync(TxnRequest(42, 4, 0, 20), 3);
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal((ErrorCode.None, -1L), await FetchAsync(service, 0, requireStable: true));
    }

    [Fact]
    public async Task TxnOffsetCommit_StorageFailure_MapsToCoordinatorError()
    {
        var log = new InMemoryConsumerOffsetsLog();
        await using var service = await StartLoadedAsync(log);
        log.FailAppendsWith = ErrorCode.NotLeaderOrFollower;
        var response = await service.TxnOffsetCommitAsync(TxnRequest(42, 0, 0, 20), 3);
        Assert.Equal((short)ErrorCode.NotCoordinator, response.Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task CompleteTransaction_OfAPartitionNotCoordinatedHere_IsNotCoordinator()
    {
        var log = new InMemoryConsumerOffsetsLog();
        await using var service = await StartLoadedAsync(log);
        Assert.Equal(ErrorCode.NotCoordinator, await service.CompleteTransactionAsync(17, 42, commit: true));
    }

    [Fact]
    public async Task Load_ResolvesTransactionalBatchesByTheMarkersFoundLater_AndKeepsOpenOnesPending()
    {
        var log = new InMemoryConsumerOffsetsLog();
        int partition;
        await using (var writer = await StartLoadedAsync(log))
        {
            partition = writer.PartitionFor(Group);
            await writer.CommitOffsetsAsync(PlainRequest(1, 5));
            await writer.CommitOffsetsAsync(PlainRequest(2, 6));
            await writer.CommitOffsetsAsync(PlainRequest(3, 7));

            // Producer 1 commits partition 0; producer 2 aborts partition 1; producer 3 stays open on partition 2;
            // producer 4 commits partition 3, but a plain commit written before its marker stays (log order).
            await CommitTxnAsync(writer, 1, 0, 100);
            await CommitTxnAsync(writer, 2, 1, 101);
            await CommitTxnAsync(writer, 3, 2, 102);
            await CommitTxnAsync(writer, 4, 3, 103);
            await writer.CommitOffsetsAsync(PlainRequest(3, 8));
            log.AppendMarker(partition, 1, 0, commit: true);
            log.AppendMarker(partition, 2, 0, commit: false);
            log.AppendMarker(partition, 4, 0, commit: true);
        }

        await using var reader = await StartLoadedAsync(log);
        Assert.Equal((ErrorCode.None, 100L), await FetchAsync(reader, 0, requireStable: true));
        Assert.Equal((ErrorCode.None, 5L), await FetchAsync(reader, 1, requireStable: true));
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), await FetchAsync(reader, 2, requireStable: true));
        Assert.Equal((ErrorCode.None, 6L), await FetchAsync(reader, 2, requireStable: false));
        Assert.Equal((ErrorCode.None, 8L), await FetchAsync(reader, 3, requireStable: true));

        // The open transaction ends after the load.
        log.AppendMarker(partition, 3, 0, commit: true);
        Assert.Equal(ErrorCode.None, await reader.CompleteTransactionAsync(partition, 3, commit: true));
        Assert.Equal((ErrorCode.None, 102L), await FetchAsync(reader, 2, requireStable: true));
    }
}
