using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>The shell over an in-memory <c>__transaction_state</c> and a marker writer that records what it is asked.</summary>
public sealed class TransactionCoordinatorServiceTests : IAsyncLifetime
{
    private const string Id = "shell-txn";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private readonly InMemoryTransactionStateLog _log = new();
    private readonly RecordingMarkerWriter _writer = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<TransactionCoordinatorService> _services = [];
    private long _nextProducerId = 5000;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Commit_WritesMarkersOnceThePrepareIsCommitted_ThenCompletes()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0, 1);

        var end = await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);

        Assert.Equal(ErrorCode.None, (ErrorCode)end.ErrorCode);
        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the transaction never completed");
        var call = Assert.Single(_writer.Calls);
        Assert.Equal((producerId, epoch, 0, true), (call.ProducerId, call.ProducerEpoch, call.CoordinatorEpoch, call.Commit));
        Assert.Equal([new("orders", 0), new("orders", 1)], call.Partitions);
        Assert.Equal(
            [TransactionState.Empty, TransactionState.Ongoing, TransactionState.PrepareCommit, TransactionState.CompleteCommit],
            ReadLog(service.PartitionFor(Id)).Select(r => r.Value!.State));
        Assert.Equal((1L, 0L, 0L), (service.TransactionsCommitted, service.TransactionsAborted, service.MarkerWriteFailures));
    }

    [Fact]
    public async Task RetriableMarkerErrors_AreRetriedAfterTheBackoffUntilEveryPartitionHasItsMarker()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0, 1);
        _writer.Answer(new("orders", 1), ErrorCode.NotLeaderOrFollower, ErrorCode.RequestTimedOut);

        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = false }, 3);

        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteAbort, "the abort never completed", advanceClock: true);
        var calls = _writer.Calls.ToList();
        Assert.Equal(3, calls.Count);
        Assert.Equal([new("orders", 0), new("orders", 1)], calls[0].Partitions);
        Assert.Equal([new("orders", 1)], calls[1].Partitions);
        Assert.Equal([new("orders", 1)], calls[2].Partitions);
        Assert.All(calls, c => Assert.False(c.Commit));
        Assert.Equal((0L, 1L, 2L), (service.TransactionsCommitted, service.TransactionsAborted, service.MarkerWriteFailures));
    }

    [Fact]
    public async Task DeletedTopic_IsDroppedFromTheMarkersWithoutRetry()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0, 1);
        _writer.Answer(new("orders", 1), ErrorCode.UnknownTopicOrPartition);

        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);

        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the commit never completed");
        Assert.Single(_writer.Calls);
    }

    [Fact]
    public async Task CompletionAppendFailing_IsRetriedUntilTheLogTakesIt()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0);
        _writer.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);
        await EventuallyAsync(() => Task.FromResult(!_writer.Calls.IsEmpty), "the markers never started");

        // The markers are written while __transaction_state cannot take the completion (COORDINATOR_NOT_AVAILABLE).
        _log.Inner.FailAppendsWith = ErrorCode.NotEnoughReplicas;
        _writer.Hold.SetResult();
        await EventuallyAsync(() => Task.FromResult(service.MarkerWritesInFlight == 0), "the marker write never ended");
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TransactionState.PrepareCommit, (await service.GetTransactionAsync(Id))!.State);

        _log.Inner.FailAppendsWith = ErrorCode.None;
        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the completion was never retried", advanceClock: true);
        Assert.Single(_writer.Calls);
        Assert.Equal(1L, service.TransactionsCommitted);
    }

    [Fact]
    public async Task FencedMarkers_StopWithoutCompletingTheTransaction()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0);
        _writer.Answer(new("orders", 0), ErrorCode.InvalidProducerEpoch);

        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);

        await EventuallyAsync(() => Task.FromResult(!_writer.Calls.IsEmpty && service.MarkerWritesInFlight == 0), "the marker write never ended");
        Assert.Equal(TransactionState.PrepareCommit, (await service.GetTransactionAsync(Id))!.State);
        Assert.Single(_writer.Calls);
        Assert.Equal((0L, 1L), (service.TransactionsCommitted, service.MarkerWriteFailures));
    }

    [Theory]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator)]
    [InlineData(ErrorCode.NotEnoughReplicas, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.KafkaStorageError, ErrorCode.NotCoordinator)]
    public async Task FailedAppend_AnswersTheCoordinatorErrorAndChangesNothing(ErrorCode storageError, ErrorCode expected)
    {
        var service = await StartAsync();
        await InitAsync(service);
        var before = await service.GetTransactionAsync(Id);
        _log.Inner.FailAppendsWith = storageError;

        var init = await service.InitProducerIdAsync(new InitProducerIdRequest { TransactionalId = Id, TransactionTimeoutMs = 900_000 });
        var add = await service.AddPartitionsToTxnAsync(TransactionCoordinatorTestContext.AddRequestV3(Id, before!.ProducerId, before.ProducerEpoch, "orders", 0), 3);

        Assert.Equal(expected, (ErrorCode)init.ErrorCode);
        Assert.Equal(-1, init.ProducerId);
        Assert.Equal((short)expected, add.ResultsByTopicV3AndBelow[0].ResultsByPartition[0].PartitionErrorCode);
        Assert.Equal(before, await service.GetTransactionAsync(Id));
    }

    [Fact]
    public async Task ReplicatedPartition_EndTxnIsAnsweredAndMarkersWrittenOnlyOnceCommitted()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0);
        var commit = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _log.Inner.CommitWait = () => commit.Task;

        var end = service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);

        // The loop has run the command (a later query is answered) but the answer waits for the commit.
        Assert.Equal(TransactionState.PrepareCommit, (await service.GetTransactionAsync(Id))!.State);
        Assert.False(end.IsCompleted);
        Assert.Empty(_writer.Calls);

        commit.SetResult(ErrorCode.None);
        Assert.Equal(ErrorCode.None, (ErrorCode)(await end.WaitAsync(s_deadline)).ErrorCode);
        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the commit never completed");
    }

    [Fact]
    public async Task Stop_WhileAnAnswerWaitsForItsCommit_FailsTheAnswerInsteadOfLeavingItHanging()
    {
        var service = await StartAsync();
        var (producerId, epoch) = await BeginAsync(service, 0);
        _log.Inner.CommitWait = () => new TaskCompletionSource<ErrorCode>().Task;
        var end = service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);
        Assert.Equal(TransactionState.PrepareCommit, (await service.GetTransactionAsync(Id))!.State);

        await service.StopAsync(CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => end.WaitAsync(s_deadline));
        Assert.Empty(_writer.Calls);
    }

    [Fact]
    public async Task Restart_LoadsTheLogAndResumesTheMarkersOfAPreparedTransaction()
    {
        var first = await StartAsync();
        var (producerId, epoch) = await BeginAsync(first, 0, 2);
        _writer.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await first.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);
        await EventuallyAsync(() => Task.FromResult(_writer.Calls.Count == 1), "the first coordinator never started its markers");
        await first.StopAsync(CancellationToken.None);
        _writer.Hold = null;

        var second = await StartAsync();

        await EventuallyAsync(async () => (await second.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the reloaded transaction never completed");
        var resumed = _writer.Calls.Last();
        Assert.Equal((producerId, epoch, true), (resumed.ProducerId, resumed.ProducerEpoch, resumed.Commit));
        Assert.Equal([new("orders", 0), new("orders", 2)], resumed.Partitions);
    }

    [Fact]
    public async Task ClusterMode_ServesOnlyLedPartitions_UnderTheirLeaderEpoch()
    {
        var service = await StartAsync(leadsEveryPartition: false);
        _log.CreateTopic(3);
        var refused = await service.InitProducerIdAsync(new InitProducerIdRequest { TransactionalId = Id, TransactionTimeoutMs = 900_000 });
        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)refused.ErrorCode);

        var partition = service.PartitionFor(Id);
        service.OnBecameLeader(partition, 3);
        var (producerId, epoch) = await BeginAsync(service, 0);
        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);
        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteCommit, "the commit never completed");
        Assert.Equal(3, Assert.Single(_writer.Calls).CoordinatorEpoch);

        service.OnResigned(partition);
        var afterResign = await service.InitProducerIdAsync(new InitProducerIdRequest { TransactionalId = Id, TransactionTimeoutMs = 900_000 });
        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)afterResign.ErrorCode);
    }

    [Fact]
    public async Task Resigned_WhileMarkersAreRetried_AbandonsThem()
    {
        var service = await StartAsync(leadsEveryPartition: false);
        _log.CreateTopic(3);
        var partition = service.PartitionFor(Id);
        service.OnBecameLeader(partition, 1);
        var (producerId, epoch) = await BeginAsync(service, 0);
        _writer.Answer(new("orders", 0), Enumerable.Repeat(ErrorCode.NotLeaderOrFollower, 1000).ToArray());
        await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }, 3);
        await EventuallyAsync(() => Task.FromResult(!_writer.Calls.IsEmpty), "the markers never started");

        service.OnResigned(partition);

        await EventuallyAsync(() => Task.FromResult(service.MarkerWritesInFlight == 0), "the markers were not abandoned", advanceClock: true);
        Assert.DoesNotContain(ReadLog(partition), r => r.Value?.State == TransactionState.CompleteCommit);
    }

    [Fact]
    public async Task TimedOutTransaction_IsAbortedByTheTimersAndItsMarkersWritten()
    {
        var service = await StartAsync();
        var init = await InitAsync(service, timeoutMs: 1000);
        await service.AddPartitionsToTxnAsync(TransactionCoordinatorTestContext.AddRequestV3(Id, init.ProducerId, init.ProducerEpoch, "orders", 3), 3);

        await EventuallyAsync(async () => (await service.GetTransactionAsync(Id))?.State == TransactionState.CompleteAbort, "the timed-out transaction was never aborted", advanceClock: true);

        var call = Assert.Single(_writer.Calls);
        Assert.False(call.Commit);
        Assert.Equal(init.ProducerEpoch + 2, call.ProducerEpoch);
        var fenced = await service.EndTxnAsync(new EndTxnRequest { TransactionalId = Id, ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, Committed = true }, 3);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)fenced.ErrorCode);
    }

    [Fact]
    public async Task ProducerIdSourceFailing_InitProducerIdIsRetriable()
    {
        var service = await StartAsync(producerIds: _ => ValueTask.FromResult((ErrorCode.CoordinatorNotAvailable, -1L)));
        var response = await service.InitProducerIdAsync(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 1000 });
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)response.ErrorCode);
    }

    [Fact]
    public async Task DescribeAndList_AnswerFromTheLoop()
    {
        var service = await StartAsync();
        await BeginAsync(service, 4);

        var described = await service.DescribeTransactionsAsync(new DescribeTransactionsRequest { TransactionalIds = [Id] });
        var listed = await service.ListTransactionsAsync(new ListTransactionsRequest { StateFilters = ["Ongoing"] });

        Assert.Equal("Ongoing", described.TransactionStates.Single().TransactionState);
        Assert.Equal(Id, listed.TransactionStates.Single().TransactionalId);
    }

    private async Task<TransactionCoordinatorService> StartAsync(bool leadsEveryPartition = true, Func<CancellationToken, ValueTask<(ErrorCode, long)>>? producerIds = null)
    {
        var service = new TransactionCoordinatorService(
            new TransactionCoordinatorConfig { TransactionStateLogNumPartitions = 3, OffsetsTopicNumPartitions = 10 },
            _log,
            _writer,
            producerIds ?? (_ => ValueTask.FromResult((ErrorCode.None, Interlocked.Increment(ref _nextProducerId)))),
            _time,
            NullLogger<TransactionCoordinatorService>.Instance,
            leadsEveryPartition);
        _services.Add(service);
        await service.StartAsync(CancellationToken.None);
        return service;
    }

    /// <summary>InitProducerId, retried while the partition loads.</summary>
    private static async Task<InitProducerIdResponse> InitAsync(TransactionCoordinatorService service, int timeoutMs = 900_000)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var response = await service.InitProducerIdAsync(new InitProducerIdRequest { TransactionalId = Id, TransactionTimeoutMs = timeoutMs });
            if (response.ErrorCode != (short)ErrorCode.CoordinatorLoadInProgress)
            {
                Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
                return response;
            }

            Assert.True(DateTime.UtcNow - started < s_deadline, "the partition never finished loading");
            await Task.Delay(5);
        }
    }

    private static async Task<(long ProducerId, short Epoch)> BeginAsync(TransactionCoordinatorService service, params int[] partitions)
    {
        var init = await InitAsync(service);
        var added = await service.AddPartitionsToTxnAsync(TransactionCoordinatorTestContext.AddRequestV3(Id, init.ProducerId, init.ProducerEpoch, "orders", partitions), 3);
        Assert.All(added.ResultsByTopicV3AndBelow.SelectMany(t => t.ResultsByPartition), p => Assert.Equal(0, p.PartitionErrorCode));
        return (init.ProducerId, init.ProducerEpoch);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, optionally moving the fake clock (back-offs, timers) between polls.</summary>
    private async Task EventuallyAsync(Func<Task<bool>> condition, string failure, bool advanceClock = false)
    {
        var started = DateTime.UtcNow;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow - started < s_deadline, failure);
            if (advanceClock)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            await Task.Delay(5);
        }
    }

    private List<TransactionLogRecord> ReadLog(int partition)
    {
        var records = new List<TransactionLogRecord>();
        long offset = 0;
        while (true)
        {
            using var chunk = _log.Read(partition, offset, 1 << 20);
            var next = chunk.Records.IsEmpty ? -1 : TransactionLogRecordBatch.DecodeAll(chunk.Records.Span, records.Add);
            if (next < 0 || next >= chunk.HighWatermark)
            {
                return records;
            }

            offset = next;
        }
    }
}
