using Fjord.Coordinator.Transactions;
using Fjord.Protocol;
using FsCheck;
using FsCheck.Xunit;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>
/// The <c>__transaction_state</c> layouts. The golden bytes were assembled field by field from Kafka's
/// TransactionLogKey/TransactionLogValue schemas (int16 version prefix, classic encoding for v0, flexible with
/// tagged fields 0-2 for v1), i.e. what Kafka's MessageUtil.toVersionPrefixedBytes writes for these values.
/// </summary>
public sealed class TransactionLogSerdeTests
{
    private const long Ts = 1735689600000;

    [Fact]
    public void EncodeKey_IsVersionZeroThenTheId()
    {
        Assert.Equal("000000066d792d74786e", Convert.ToHexStringLower(TransactionLogSerde.EncodeKey("my-txn")));
    }

    [Fact]
    public void EncodeValue_V0Ongoing_MatchesKafkaBytes()
    {
        var value = new TransactionLogValue
        {
            ProducerId = 1000,
            ProducerEpoch = 0,
            TransactionTimeoutMs = 60_000,
            State = TransactionState.Ongoing,
            Partitions = [new("orders", 0), new("orders", 3)],
            LastUpdateTimestampMs = Ts + 5,
            StartTimestampMs = Ts,
        };

        const string Golden = "000000000000000003e800000000ea60010000000100066f7264657273000000020000000000000003000001941f297c05000001941f297c00";
        Assert.Equal(Golden, Convert.ToHexStringLower(TransactionLogSerde.EncodeValue(value, 0)!));
        Assert.Equal(value, TransactionLogSerde.DecodeValue(Convert.FromHexString(Golden)));
    }

    [Fact]
    public void EncodeValue_V1Empty_WritesNullPartitionsAndTheClientVersionTag()
    {
        var value = new TransactionLogValue
        {
            ProducerId = 1000,
            ProducerEpoch = 0,
            TransactionTimeoutMs = 60_000,
            State = TransactionState.Empty,
            LastUpdateTimestampMs = Ts,
            ClientTransactionVersion = 2,
        };

        const string Golden = "000100000000000003e800000000ea600000000001941f297c00ffffffffffffffff0102020002";
        Assert.Equal(Golden, Convert.ToHexStringLower(TransactionLogSerde.EncodeValue(value, 1)!));
        Assert.Equal(value, TransactionLogSerde.DecodeValue(Convert.FromHexString(Golden)));
    }

    [Fact]
    public void EncodeValue_V1PrepareCommit_WritesEveryTaggedField()
    {
        var value = new TransactionLogValue
        {
            ProducerId = 2000,
            PreviousProducerId = 1999,
            NextProducerId = 2001,
            ProducerEpoch = 7,
            TransactionTimeoutMs = 60_000,
            State = TransactionState.PrepareCommit,
            Partitions = [new("a", 1), new("b", 0), new("b", 2)],
            LastUpdateTimestampMs = Ts + 9,
            StartTimestampMs = Ts,
            ClientTransactionVersion = 2,
        };

        const string Golden = "000100000000000007d000070000ea6002030261020000000100026203000000000000000200000001941f297c09000001941f297c0003000800000000000007cf010800000000000007d102020002";
        Assert.Equal(Golden, Convert.ToHexStringLower(TransactionLogSerde.EncodeValue(value, 1)!));
        Assert.Equal(value, TransactionLogSerde.DecodeValue(Convert.FromHexString(Golden)));
    }

    [Fact]
    public void DecodeValue_V1WithUnknownTag_SkipsIt()
    {
        // The v1 Empty value above with a fourth tagged field (tag 9, two bytes) that a newer Kafka might write.
        const string Bytes = "000100000000000003e800000000ea600000000001941f297c00ffffffffffffffff02020200020902beef";
        var value = TransactionLogSerde.DecodeValue(Convert.FromHexString(Bytes));
        Assert.Equal(2, value.ClientTransactionVersion);
        Assert.Equal(TransactionState.Empty, value.State);
    }

    [Fact]
    public void DecodeValue_UnknownVersion_Throws()
    {
        Assert.Throws<ProtocolException>(() => TransactionLogSerde.DecodeValue(Convert.FromHexString("0002000000")));
    }

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1)]
    public void RoundTrip_EveryState_ThroughARecordBatch(short version)
    {
        var records = new List<TransactionLogRecord>();
        for (var state = TransactionState.Empty; state <= TransactionState.PrepareEpochFence; state++)
        {
            records.Add(new($"txn-{state}", new TransactionLogValue
            {
                ProducerId = 42 + (int)state,
                ProducerEpoch = (short)state,
                TransactionTimeoutMs = 1000,
                State = state,
                Partitions = state == TransactionState.Empty ? [] : [new("t", 0), new("t", 1), new("u", 4)],
                LastUpdateTimestampMs = Ts,
                StartTimestampMs = state == TransactionState.Empty ? -1 : Ts - 1,

                // Tagged fields exist from version 1 only.
                PreviousProducerId = version >= 1 ? 41 : -1,
                ClientTransactionVersion = (short)(version >= 1 ? 2 : 0),
            }));
        }

        records.Add(new("gone", null));
        var batch = TransactionLogRecordBatch.Encode(records, version, Ts);
        var decoded = new List<TransactionLogRecord>();
        TransactionLogRecordBatch.DecodeAll(batch, decoded.Add);
        Assert.Equal(records, decoded);
        Assert.True(decoded[^1].IsTombstone);
    }

    [Property]
    public void Value_RoundTripsInBothVersions(NonNull<string> topic, long producerId, long otherProducerId, short epoch, int timeoutMs, byte status, int[] partitions, long lastUpdate, long start, bool flexible)
    {
        var state = (TransactionState)(status % 8);
        var version = (short)(flexible ? 1 : 0);
        var value = new TransactionLogValue
        {
            ProducerId = producerId,
            ProducerEpoch = epoch,
            TransactionTimeoutMs = timeoutMs,
            State = state,
            Partitions = state == TransactionState.Empty ? [] : partitions.Distinct().Select(p => new TransactionPartition(topic.Get, p)).Order().ToList(),
            LastUpdateTimestampMs = lastUpdate,
            StartTimestampMs = start,

            // Only the flexible version has the tagged fields.
            PreviousProducerId = flexible ? otherProducerId : -1,
            NextProducerId = flexible ? otherProducerId ^ 1 : -1,
            ClientTransactionVersion = (short)(flexible ? status % 3 : 0),
        };

        Assert.Equal(value, TransactionLogSerde.DecodeValue(TransactionLogSerde.EncodeValue(value, version)));
    }

    [Theory]
    [InlineData("my-txn", 50, 45)]
    [InlineData("txn-1", 50, 10)]
    [InlineData("producer-a", 50, 28)]
    [InlineData("", 50, 0)]
    public void PartitionFor_IsJavaHashCodeModuloPartitions(string transactionalId, int partitions, int expected)
    {
        var core = new TransactionCoordinator(new TransactionCoordinatorConfig { TransactionStateLogNumPartitions = partitions }, TimeProvider.System, new TransactionCoordinatorTestContext.SequentialProducerIds());
        Assert.Equal(expected, core.PartitionFor(transactionalId));
    }
}
