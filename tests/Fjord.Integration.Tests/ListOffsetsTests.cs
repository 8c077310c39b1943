using System.Buffers;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests;

/// <summary>The special ListOffsets timestamps of newer versions (-3, -4, -5), spoken byte for byte.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class ListOffsetsTests(BrokerFixture fixture)
{
    [Fact]
    public void SpecialTimestamps_AnswerPerVersion()
    {
        var topic = TestTopics.Unique("lo");
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var create = new CreateTopicsRequest();
        create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        Assert.Equal(0, connection.Receive<CreateTopicsResponse>(19, 5, connection.Send(create, 5)).Topics[0].ErrorCode);

        using var builder = new RecordBatchBuilder(CompressionType.Lz4);
        foreach (var timestamp in new long[] { 1_000, 9_000, 3_000, 9_000, 2_000 })
        {
            builder.Append(timestamp, null, [1]);
        }

        var produce = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        produce.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        Assert.Equal(0, connection.Receive<ProduceResponse>(0, 9, connection.Send(produce, 9)).Responses[0].PartitionResponses[0].ErrorCode);

        var max = Lookup(connection, topic, -3, version: 7);
        Assert.Equal((ErrorCode.None, 1L, 9_000L), max);
        Assert.Equal((ErrorCode.None, 0L, -1L), Lookup(connection, topic, -4, version: 8));
        Assert.Equal((ErrorCode.None, -1L, -1L), Lookup(connection, topic, -5, version: 9));
        Assert.Equal((ErrorCode.None, 1L, 9_000L), Lookup(connection, topic, 2_500, version: 10)); // the first record at or after 2,500
        Assert.Equal(ErrorCode.UnsupportedVersion, Lookup(connection, topic, -3, version: 6).Error);
    }

    private static (ErrorCode Error, long Offset, long Timestamp) Lookup(RawKafkaConnection connection, string topic, long timestamp, short version)
    {
        var request = new ListOffsetsRequest { ReplicaId = -1 };
        request.Topics.Add(new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = timestamp }] });
        var partition = connection.Receive<ListOffsetsResponse>(2, version, connection.Send(request, version)).Topics[0].Partitions[0];
        return ((ErrorCode)partition.ErrorCode, partition.Offset, partition.Timestamp);
    }
}
