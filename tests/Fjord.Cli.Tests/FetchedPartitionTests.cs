using System.Buffers;
using Fjord.Cli.Perf.Lean;
using Fjord.Protocol.Records;

namespace Fjord.Cli.Tests;

/// <summary>The lean consumer's batch walk: records counted from headers, offsets contiguous or a loud failure.</summary>
public sealed class FetchedPartitionTests
{
    [Fact]
    public void Consume_WholeBatches_CountsTheirRecordsAndAdvancesPastThem()
    {
        var partition = new FetchedPartition("t", 0, 0, 10);
        var walked = partition.Consume(Field(Batch(0, 3), Batch(3, 5), Batch(8, 2)));
        Assert.Equal(3, walked);
        Assert.Equal(10, partition.Records);
        Assert.Equal(10, partition.NextOffset);
        Assert.True(partition.Done);
    }

    [Fact]
    public void Consume_LastBatchCutShort_LeavesItForTheNextFetch()
    {
        var partition = new FetchedPartition("t", 0, 0, 10);
        var second = Batch(4, 6);
        var field = Field(Batch(0, 4), second[..(second.Length - 1)]);
        Assert.Equal(1, partition.Consume(field));
        Assert.Equal(4, partition.NextOffset);
        Assert.Equal(1, partition.Consume(Field(second)));
        Assert.Equal(10, partition.Records);
    }

    [Fact]
    public void Consume_FieldShorterThanABatchHeader_WalksNothing()
    {
        var partition = new FetchedPartition("t", 0, 0, 10);
        Assert.Equal(0, partition.Consume(Field(Batch(0, 2)[..(RecordBatchHeader.HeaderSize - 1)])));
        Assert.Equal(0, partition.NextOffset);
    }

    [Theory]
    [InlineData(5, "gap")]
    [InlineData(3, "overlap")]
    public void Consume_BatchNotAtTheNextOffset_Fails(long secondBase, string what)
    {
        var partition = new FetchedPartition("t", 7, 0, 20);
        var e = Assert.Throws<InvalidDataException>(() => partition.Consume(Field(Batch(0, 4), Batch(secondBase, 2))));
        Assert.Contains(what, e.Message);
        Assert.Contains("t-7", e.Message);
    }

    [Fact]
    public void Consume_BatchPastTheEndOffset_Fails()
    {
        var partition = new FetchedPartition("t", 0, 0, 3);
        var e = Assert.Throws<InvalidDataException>(() => partition.Consume(Field(Batch(0, 4))));
        Assert.Contains("past the end offset", e.Message);
    }

    [Fact]
    public void Consume_ControlBatch_TakesItsOffsetButCountsNoRecord()
    {
        var partition = new FetchedPartition("t", 0, 0, 4);
        using var marker = new RecordBatchBuilder { BaseOffset = 3, IsControl = true, IsTransactional = true, ProducerId = 1, ProducerEpoch = 0 };
        marker.AppendEndTransactionMarker(0, ControlRecordType.Commit, 0);
        partition.Consume(Field(Batch(0, 3), marker.ToArray()));
        Assert.Equal(3, partition.Records);
        Assert.True(partition.Done);
    }

    private static byte[] Batch(long baseOffset, int records)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset };
        for (var i = 0; i < records; i++)
        {
            builder.Append(0, null, new byte[100]);
        }

        return builder.ToArray();
    }

    private static ReadOnlySequence<byte> Field(params byte[][] batches) => new([.. batches.SelectMany(b => b)]);
}
