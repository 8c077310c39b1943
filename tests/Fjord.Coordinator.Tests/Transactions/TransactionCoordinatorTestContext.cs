using Fjord.Coordinator.Transactions;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>
/// Drives a <see cref="TransactionCoordinator"/> the way the shell does: every command's records are replayed
/// (and kept, for prefix tests) and its marker writes collected. Holds a fake clock and sequential producer ids.
/// </summary>
internal sealed class TransactionCoordinatorTestContext
{
    public const string TransactionalId = "my-txn";
    public const int TimeoutMs = 60_000;

    public TransactionCoordinatorTestContext(TransactionCoordinatorConfig? config = null, bool activate = true)
    {
        Config = config ?? new TransactionCoordinatorConfig { TransactionStateLogNumPartitions = 4, OffsetsTopicNumPartitions = 10 };
        Core = new TransactionCoordinator(Config, Time, ProducerIds);
        if (activate)
        {
            for (var partition = 0; partition < Config.TransactionStateLogNumPartitions; partition++)
            {
                Core.BeginLoading(partition, 5);
                Core.CompleteLoading(partition);
            }
        }
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public SequentialProducerIds ProducerIds { get; } = new();

    public TransactionCoordinatorConfig Config { get; }

    public TransactionCoordinator Core { get; }

    public List<TransactionLogRecord> Log { get; } = [];

    public List<TransactionMarkerRequest> Markers { get; } = [];

    /// <summary>The coordinator's state right after each record of <see cref="Log"/> was replayed.</summary>
    public List<Dictionary<string, TransactionLogValue>> StateAfterEachRecord { get; } = [];

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public TransactionLogValue State => Core.TryGetTransaction(TransactionalId) ?? throw new InvalidOperationException("no transaction");

    public T Apply<T>(TransactionCoordinatorResult<T> result)
        where T : class, IResponseMessage
    {
        ApplyOutput(result);
        return result.Response;
    }

    public void ApplyOutput(TransactionCoordinatorOutput output)
    {
        foreach (var record in output.Records)
        {
            Log.Add(record);
            Core.Replay(record);
            StateAfterEachRecord.Add(new Dictionary<string, TransactionLogValue>(Core.Transactions));
        }

        Markers.AddRange(output.Markers);
    }

    public InitProducerIdResponse Init(string? transactionalId = TransactionalId, int timeoutMs = TimeoutMs, long producerId = -1, short producerEpoch = -1) =>
        Apply(Core.InitProducerId(new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = timeoutMs, ProducerId = producerId, ProducerEpoch = producerEpoch }));

    public ErrorCode AddPartitions(long producerId, short producerEpoch, string topic = "orders", params int[] partitions)
    {
        var response = Apply(Core.AddPartitionsToTxn(AddRequestV3(TransactionalId, producerId, producerEpoch, topic, partitions.Length == 0 ? [0] : partitions), 3));
        var errors = response.ResultsByTopicV3AndBelow.SelectMany(t => t.ResultsByPartition).Select(p => (ErrorCode)p.PartitionErrorCode).Distinct().ToList();
        Assert.Single(errors);
        return errors[0];
    }

    public EndTxnResponse End(long producerId, short producerEpoch, bool commit, short version = 3) =>
        Apply(Core.EndTxn(new EndTxnRequest { TransactionalId = TransactionalId, ProducerId = producerId, ProducerEpoch = producerEpoch, Committed = commit }, version));

    /// <summary>Reports the last marker request written and applies the completion.</summary>
    public void CompleteLastMarkers() => ApplyOutput(Core.CompleteTransaction(Markers[^1]));

    /// <summary>Init, then an ongoing transaction on orders-0; returns the producer id and epoch.</summary>
    public (long ProducerId, short Epoch) StartTransaction(params int[] partitions)
    {
        var init = Init();
        Assert.Equal(ErrorCode.None, (ErrorCode)init.ErrorCode);
        Assert.Equal(ErrorCode.None, AddPartitions(init.ProducerId, init.ProducerEpoch, "orders", partitions));
        return (init.ProducerId, init.ProducerEpoch);
    }

    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        ApplyOutput(Core.Tick());
    }

    public static AddPartitionsToTxnRequest AddRequestV3(string transactionalId, long producerId, short producerEpoch, string topic, params int[] partitions) => new()
    {
        V3AndBelowTransactionalId = transactionalId,
        V3AndBelowProducerId = producerId,
        V3AndBelowProducerEpoch = producerEpoch,
        V3AndBelowTopics = [new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = topic, Partitions = [.. partitions] }],
    };

    /// <summary>Producer ids 1000, 1001, ...; or an error while <see cref="Failure"/> is set.</summary>
    internal sealed class SequentialProducerIds : IProducerIdGenerator
    {
        private long _next = 1000;

        public ErrorCode Failure { get; set; }

        public ErrorCode TryGenerate(out long producerId)
        {
            producerId = Failure == ErrorCode.None ? _next++ : -1;
            return Failure;
        }
    }
}
