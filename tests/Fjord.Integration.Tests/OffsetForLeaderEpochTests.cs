using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests;

/// <summary>
/// OffsetForLeaderEpoch (key 23) and Fetch's DivergingEpoch against a real single-node broker, byte for byte:
/// a single node leads every partition at leader epoch 0, so every batch it writes is in epoch 0.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class OffsetForLeaderEpochTests(BrokerFixture fixture)
{
    [Fact]
    public void ApiVersions_AdvertisesOffsetForLeaderEpoch0To4()
    {
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var response = connection.Receive<ApiVersionsResponse>(18, 3, connection.Send(new ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3));
        var key = Assert.Single(response.ApiKeys, k => k.ApiKey == (short)ApiKey.OffsetForLeaderEpoch);
        Assert.Equal((0, 4), (key.MinVersion, key.MaxVersion));
    }

    [Fact]
    public void LibrdkafkaV2Request_GoldenBytes_AnswersTheLatestEpochWithTheLogEndOffset()
    {
        var topic = TestTopics.Unique("ofle");
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        CreateTopic(connection, topic);
        Produce(connection, topic, records: 3);
        Produce(connection, topic, records: 2);

        // What librdkafka 2.15 sends after a leader change (rd_kafka_OffsetForLeaderEpochRequest, v2 only):
        // header v1, then topics[ name, partitions[ partition, current_leader_epoch, leader_epoch ] ].
        var body = new List<byte>();
        void Int16(short v) => body.AddRange([(byte)(v >> 8), (byte)v]);
        void Int32(int v) => body.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        void String(string s)
        {
            Int16((short)s.Length);
            body.AddRange(Encoding.UTF8.GetBytes(s));
        }
        Int16(23);
        Int16(2);
        Int32(77);
        String("rdkafka");
        Int32(1);
        String(topic);
        Int32(1);
        Int32(0);  // partition
        Int32(0);  // current leader epoch
        Int32(0);  // leader epoch of the consumed position
        var frame = new byte[4 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Count);
        body.CopyTo(frame, 4);

        var request = new OffsetForLeaderEpochRequest();
        request.Topics.Add(new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
        {
            Topic = topic,
            Partitions = [new() { Partition = 0, CurrentLeaderEpoch = 0, LeaderEpoch = 0 }],
        });
        Assert.Equal(frame, RawKafkaConnection.Encode(request, 2, 77, "rdkafka"));

        connection.SendRaw(frame);
        var answer = connection.ReceiveFrame();
        Assert.NotNull(answer);
        // correlation id, throttle_time_ms, topics[1]{ name, partitions[1]{ error, partition, leader_epoch, end_offset } }
        var expected = new List<byte>();
        void E32(int v) => expected.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        E32(77);
        E32(0);
        E32(1);
        expected.AddRange([(byte)(topic.Length >> 8), (byte)topic.Length]);
        expected.AddRange(Encoding.UTF8.GetBytes(topic));
        E32(1);
        expected.AddRange([0, 0]);
        E32(0);
        E32(0);
        expected.AddRange([0, 0, 0, 0, 0, 0, 0, 5]);
        Assert.Equal(expected.ToArray(), answer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EveryVersion_AnswersEndOffsetsFencingAndUnknownPartitions(short version)
    {
        var topic = TestTopics.Unique("ofle-v");
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        CreateTopic(connection, topic);
        Produce(connection, topic, records: 4);

        var request = new OffsetForLeaderEpochRequest { ReplicaId = -1 };
        request.Topics.Add(new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
        {
            Topic = topic,
            Partitions =
            [
                new() { Partition = 0, LeaderEpoch = 0 },
                new() { Partition = 0, LeaderEpoch = 5 },
                new() { Partition = 0, LeaderEpoch = -1 },
                new() { Partition = 7, LeaderEpoch = 0 },
            ],
        });
        request.Topics.Add(new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = topic + "-missing", Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] });
        if (version >= 2)
        {
            request.Topics[0].Partitions.Add(new() { Partition = 0, CurrentLeaderEpoch = 1, LeaderEpoch = 0 });
        }

        var response = connection.Receive<OffsetForLeaderEpochResponse>(23, version, connection.Send(request, version));
        var partitions = response.Topics[0].Partitions;
        var epochOrUnset = version >= 1 ? 0 : -1;
        Assert.Equal((ErrorCode.None, epochOrUnset, 4L), Answer(partitions[0]));
        Assert.Equal((ErrorCode.None, epochOrUnset, 4L), Answer(partitions[1])); // newer than any epoch we know: our latest
        Assert.Equal((ErrorCode.None, -1, -1L), Answer(partitions[2]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Answer(partitions[3]).Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Answer(response.Topics[1].Partitions[0]).Error);
        if (version >= 2)
        {
            Assert.Equal(ErrorCode.UnknownLeaderEpoch, Answer(partitions[4]).Error);
        }
    }

    [Fact]
    public void FetchV12_LastFetchedEpochAheadOfTheLog_AnswersDivergingEpochAndNoRecords()
    {
        var topic = TestTopics.Unique("diverge");
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        CreateTopic(connection, topic);
        Produce(connection, topic, records: 5);

        // A fetcher that holds 10 records of epoch 0 while we hold 5: it diverged after offset 5.
        var beyond = Fetch(connection, topic, fetchOffset: 10, lastFetchedEpoch: 0);
        Assert.Equal(ErrorCode.None, (ErrorCode)beyond.ErrorCode);
        Assert.Equal((0, 5L), (beyond.DivergingEpoch.Epoch, beyond.DivergingEpoch.EndOffset));
        Assert.Equal(0L, beyond.Records?.Length ?? 0);
        Assert.Equal(5, beyond.HighWatermark);

        // A fetcher whose last batch is from epoch 3, which we never had: our epoch 0 ends at 5.
        var unknownEpoch = Fetch(connection, topic, fetchOffset: 3, lastFetchedEpoch: 3);
        Assert.Equal((0, 5L), (unknownEpoch.DivergingEpoch.Epoch, unknownEpoch.DivergingEpoch.EndOffset));

        // In agreement: records, and no diverging epoch on the wire.
        var agreeing = Fetch(connection, topic, fetchOffset: 2, lastFetchedEpoch: 0);
        Assert.Equal((-1, -1L), (agreeing.DivergingEpoch.Epoch, agreeing.DivergingEpoch.EndOffset));
        Assert.True(agreeing.Records?.Length > 0);

        // A fetch offset below the log start with an epoch is OFFSET_OUT_OF_RANGE, whatever the epoch says.
        Assert.Equal(ErrorCode.None, DeleteRecords(connection, topic, 2));
        var below = Fetch(connection, topic, fetchOffset: 1, lastFetchedEpoch: 0);
        Assert.Equal(ErrorCode.OffsetOutOfRange, (ErrorCode)below.ErrorCode);
        Assert.Equal(2, below.LogStartOffset);
    }

    private static (ErrorCode Error, int Epoch, long EndOffset) Answer(OffsetForLeaderEpochResponse.EpochEndOffset partition) =>
        ((ErrorCode)partition.ErrorCode, partition.LeaderEpoch, partition.EndOffset);

    private static FetchResponse.PartitionData Fetch(RawKafkaConnection connection, string topic, long fetchOffset, int lastFetchedEpoch)
    {
        const short version = 12;
        var request = new FetchRequest { ReplicaId = -1, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, SessionId = 0, SessionEpoch = -1 };
        request.Topics.Add(new FetchRequest.FetchTopic
        {
            Topic = topic,
            Partitions = [new() { Partition = 0, FetchOffset = fetchOffset, LastFetchedEpoch = lastFetchedEpoch, CurrentLeaderEpoch = 0, PartitionMaxBytes = 1 << 20 }],
        });
        return connection.Receive<FetchResponse>(1, version, connection.Send(request, version)).Responses[0].Partitions[0];
    }

    private static void CreateTopic(RawKafkaConnection connection, string topic)
    {
        var create = new CreateTopicsRequest();
        create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        Assert.Equal(0, connection.Receive<CreateTopicsResponse>(19, 5, connection.Send(create, 5)).Topics[0].ErrorCode);
    }

    private static void Produce(RawKafkaConnection connection, string topic, int records)
    {
        using var builder = new RecordBatchBuilder(CompressionType.None);
        for (var i = 0; i < records; i++)
        {
            builder.Append(1_000 + i, null, [(byte)i]);
        }

        var produce = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        produce.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        Assert.Equal(0, connection.Receive<ProduceResponse>(0, 9, connection.Send(produce, 9)).Responses[0].PartitionResponses[0].ErrorCode);
    }

    private static ErrorCode DeleteRecords(RawKafkaConnection connection, string topic, long before)
    {
        var request = new DeleteRecordsRequest { TimeoutMs = 5000 };
        request.Topics.Add(new DeleteRecordsRequest.DeleteRecordsTopic { Name = topic, Partitions = [new() { PartitionIndex = 0, Offset = before }] });
        return (ErrorCode)connection.Receive<DeleteRecordsResponse>(21, 2, connection.Send(request, 2)).Topics[0].Partitions[0].ErrorCode;
    }
}
