using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Records;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Fjord.Coordinator.Tests;

public class CoordinatorRecordSerdeTests
{
    [Fact]
    public void EncodeKey_OffsetCommit_IsVersion1GroupTopicPartition()
    {
        var key = CoordinatorRecordSerde.EncodeKey(new OffsetCommitRecord("g", "t", 7, null));
        Assert.Equal(new byte[] { 0, 1, 0, 1, (byte)'g', 0, 1, (byte)'t', 0, 0, 0, 7 }, key);
    }

    [Fact]
    public void EncodeKey_GroupMetadata_IsVersion2Group()
    {
        var key = CoordinatorRecordSerde.EncodeKey(new GroupMetadataRecord("g", null));
        Assert.Equal(new byte[] { 0, 2, 0, 1, (byte)'g' }, key);
    }

    [Fact]
    public void EncodeValue_OffsetCommit_IsVersion3Layout()
    {
        var value = CoordinatorRecordSerde.EncodeValue(new OffsetCommitRecord("g", "t", 0, new OffsetCommitValue(5, 2, "m", 9)));
        Assert.Equal(new byte[] { 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2, 0, 1, (byte)'m', 0, 0, 0, 0, 0, 0, 0, 9 }, value);
    }

    [Fact]
    public void EncodeValue_Tombstones_AreNull()
    {
        Assert.Null(CoordinatorRecordSerde.EncodeValue(new OffsetCommitRecord("g", "t", 0, null)));
        Assert.Null(CoordinatorRecordSerde.EncodeValue(new GroupMetadataRecord("g", null)));
    }

    [Fact]
    public void Decode_OffsetCommitValueVersion1_ReadsExpireTimestamp()
    {
        byte[] value = [0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 11];
        var key = CoordinatorRecordSerde.EncodeKey(new OffsetCommitRecord("g", "t", 0, null));
        var record = Assert.IsType<OffsetCommitRecord>(CoordinatorRecordSerde.Decode(key, value, false));
        Assert.Equal(new OffsetCommitValue(5, -1, "", 9, 11), record.Value);
    }

    [Fact]
    public void Decode_UnknownKeyVersion_IsSkipped()
    {
        // Key 4 (KIP-848 subscription metadata, dropped by Kafka 4) and share-group keys are not ours.
        Assert.Null(CoordinatorRecordSerde.Decode([0, 4, 0, 1, (byte)'g'], [], true));
        Assert.Null(CoordinatorRecordSerde.Decode([0, 9, 0, 1, (byte)'g'], [], true));
    }

    [Fact]
    public void GroupMetadata_RoundTrips_WithMembersAndNulls()
    {
        var original = new GroupMetadataRecord("group", new GroupMetadataValue("consumer", 4, "range", "m-1", 1234, [
            new GroupMemberMetadata("m-1", "instance-1", "client", "/10.0.0.1", 30000, 10000, [1, 2], [3]),
            new GroupMemberMetadata("m-2", null, "client", "/10.0.0.2", 60000, 45000, [], []),
        ]));
        var decoded = Assert.IsType<GroupMetadataRecord>(RoundTrip(original));
        AssertSameGroupMetadata(original.Value!, decoded.Value!);
        Assert.Equal("group", decoded.GroupId);
    }

    [Fact]
    public void GroupMetadata_EmptyGroupWithNullProtocolAndLeader_RoundTrips()
    {
        var original = new GroupMetadataRecord("g", new GroupMetadataValue("consumer", 9, null, null, 5, []));
        var decoded = Assert.IsType<GroupMetadataRecord>(RoundTrip(original));
        AssertSameGroupMetadata(original.Value!, decoded.Value!);
    }

    [Fact]
    public void Tombstones_RoundTrip()
    {
        Assert.Equal(new OffsetCommitRecord("g", "t", 3, null), RoundTrip(new OffsetCommitRecord("g", "t", 3, null)));
        Assert.Equal(new GroupMetadataRecord("g", null), RoundTrip(new GroupMetadataRecord("g", null)));
    }

    [Property]
    public void OffsetCommit_RoundTrips(NonNull<string> group, NonNull<string> topic, int partition, long offset, int leaderEpoch, NonNull<string> metadata, long timestamp)
    {
        var original = new OffsetCommitRecord(group.Get, topic.Get, partition, new OffsetCommitValue(offset, leaderEpoch, metadata.Get, timestamp));
        Assert.Equal(original, RoundTrip(original));
    }

    [Fact]
    public void Batch_EncodeThenDecodeAll_YieldsRecordsInOrderWithOffsets()
    {
        CoordinatorRecord[] records = [new OffsetCommitRecord("g", "t", 0, new OffsetCommitValue(1, -1, "", 2)), new GroupMetadataRecord("g", null)];
        var batch = CoordinatorRecordBatch.Encode(records, 1000);
        var decoded = new List<(CoordinatorRecord, long)>();
        var next = CoordinatorRecordBatch.DecodeAll(batch, (r, o) => decoded.Add((r, o)));
        Assert.Equal(2, next);
        Assert.Equal(records[0], decoded[0].Item1);
        Assert.Equal(records[1], decoded[1].Item1);
        Assert.Equal([0L, 1L], decoded.Select(d => d.Item2));
    }

    [Fact]
    public void Batch_TransactionalThenMarkers_DecodeAllReportsProducerIdsAndMarkers()
    {
        CoordinatorRecord[] records = [new OffsetCommitRecord("g", "t", 0, new OffsetCommitValue(1, -1, "", 2))];
        var plain = CoordinatorRecordBatch.Encode(records, 1000);
        var transactional = CoordinatorRecordBatch.Encode(records, 1000, new TransactionalProducer(9, 2));
        var header = RecordBatchHeader.Read(transactional);
        Assert.True(header.IsTransactional);
        Assert.Equal((9L, (short)2, RecordBatchHeader.NoSequence), (header.ProducerId, header.ProducerEpoch, header.BaseSequence));

        using var marker = new RecordBatchBuilder(CompressionType.None, 64) { IsControl = true, IsTransactional = true, ProducerId = 9, ProducerEpoch = 2 };
        marker.AppendEndTransactionMarker(1000, ControlRecordType.Abort, 3);
        var log = new List<byte>();
        foreach (var (batch, offset) in new[] { (plain, 0L), (transactional, 1L), (marker.ToArray(), 2L) })
        {
            RecordBatchHeader.SetBaseOffset(batch, offset);
            log.AddRange(batch);
        }

        var decoded = new List<(long Offset, long ProducerId)>();
        var markers = new List<(long ProducerId, bool Commit)>();
        var next = CoordinatorRecordBatch.DecodeAll(log.ToArray(), (_, offset, producerId) => decoded.Add((offset, producerId)), (producerId, commit) => markers.Add((producerId, commit)));
        Assert.Equal(3, next);
        Assert.Equal([(0L, RecordBatchHeader.NoProducerId), (1L, 9L)], decoded);
        Assert.Equal([(9L, false)], markers);
    }

    [Theory]
    [InlineData("hello", 50, 22)] // "hello".hashCode() == 99162322
    [InlineData("polygenelubricants", 50, 0)] // hashCode() == Integer.MIN_VALUE: Utils.abs maps it to 0
    [InlineData("", 50, 0)]
    public void PartitionFor_MatchesKafka(string groupId, int partitions, int expected)
    {
        Assert.Equal(expected, ConsumerOffsetsPartitioner.PartitionFor(groupId, partitions));
    }

    [Fact]
    public void JavaStringHashCode_MatchesJava()
    {
        Assert.Equal(99162322, ConsumerOffsetsPartitioner.JavaStringHashCode("hello"));
        Assert.Equal(int.MinValue, ConsumerOffsetsPartitioner.JavaStringHashCode("polygenelubricants"));
    }

    private static CoordinatorRecord? RoundTrip(CoordinatorRecord record)
    {
        var value = CoordinatorRecordSerde.EncodeValue(record);
        return CoordinatorRecordSerde.Decode(CoordinatorRecordSerde.EncodeKey(record), value ?? [], value is null);
    }

    internal static void AssertSameGroupMetadata(GroupMetadataValue expected, GroupMetadataValue actual)
    {
        Assert.Equal(expected.ProtocolType, actual.ProtocolType);
        Assert.Equal(expected.Generation, actual.Generation);
        Assert.Equal(expected.Protocol, actual.Protocol);
        Assert.Equal(expected.Leader, actual.Leader);
        Assert.Equal(expected.CurrentStateTimestamp, actual.CurrentStateTimestamp);
        Assert.Equal(expected.Members.Count, actual.Members.Count);
        for (var i = 0; i < expected.Members.Count; i++)
        {
            var e = expected.Members[i];
            var a = actual.Members[i];
            Assert.Equal((e.MemberId, e.GroupInstanceId, e.ClientId, e.ClientHost, e.RebalanceTimeoutMs, e.SessionTimeoutMs), (a.MemberId, a.GroupInstanceId, a.ClientId, a.ClientHost, a.RebalanceTimeoutMs, a.SessionTimeoutMs));
            Assert.Equal(e.Subscription, a.Subscription);
            Assert.Equal(e.Assignment, a.Assignment);
        }
    }
}
