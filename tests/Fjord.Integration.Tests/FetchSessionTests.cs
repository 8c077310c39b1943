using System.Buffers;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests;

/// <summary>
/// Incremental fetch sessions (KIP-227) spoken byte for byte, since the Java client is the one
/// that uses them and it is not part of this suite: open, incremental, wrong epoch, unknown id, close.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class FetchSessionTests(BrokerFixture fixture)
{
    private const short Version = 12;

    [Fact]
    public void IncrementalFetch_ReturnsOnlyChangedPartitions_AndChecksEpochs()
    {
        var topic = TestTopics.Unique("session");
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var create = new CreateTopicsRequest();
        create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 2, ReplicationFactor = 1 });
        var createId = connection.Send(create, 5);
        Assert.Equal(0, connection.Receive<CreateTopicsResponse>(19, 5, createId).Topics[0].ErrorCode);
        Produce(connection, topic, partition: 0, "a");
        Produce(connection, topic, partition: 1, "b");

        // Epoch 0 opens a session and is a full fetch: both partitions come back.
        var opened = Fetch(connection, Request(sessionId: 0, epoch: 0, topic, (0, 0), (1, 0)));
        Assert.Equal(0, opened.ErrorCode);
        Assert.NotEqual(0, opened.SessionId);
        Assert.Equal(2, opened.Responses.Sum(t => t.Partitions.Count));

        // The client moves both positions past what it got; only partition 0 gets new data, so
        // only partition 0 comes back.
        Produce(connection, topic, partition: 0, "c");
        var incremental = Fetch(connection, Request(opened.SessionId, epoch: 1, topic, (0, 1), (1, 1)));
        Assert.Equal(0, incremental.ErrorCode);
        var partition = Assert.Single(incremental.Responses.SelectMany(t => t.Partitions));
        Assert.Equal(0, partition.PartitionIndex);
        Assert.True(partition.Records is { Length: > 0 });

        // Nothing changed: an empty incremental response.
        var quiet = Fetch(connection, Request(opened.SessionId, epoch: 2, topic, (0, 2)));
        Assert.Empty(quiet.Responses.SelectMany(t => t.Partitions));

        var wrongEpoch = Fetch(connection, Request(opened.SessionId, epoch: 7, topic));
        Assert.Equal((short)ErrorCode.InvalidFetchSessionEpoch, wrongEpoch.ErrorCode);

        var unknown = Fetch(connection, Request(sessionId: 123456, epoch: 1, topic));
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, unknown.ErrorCode);

        // Epoch -1 closes the session and fetches without one.
        var closed = Fetch(connection, Request(opened.SessionId, epoch: -1, topic, (1, 0)));
        Assert.Equal(0, closed.SessionId);
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, Fetch(connection, Request(opened.SessionId, epoch: 3, topic)).ErrorCode);
    }

    private static FetchRequest Request(int sessionId, int epoch, string topic, params (int Partition, long Offset)[] partitions)
    {
        var request = new FetchRequest { SessionId = sessionId, SessionEpoch = epoch, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20 };
        if (partitions.Length > 0)
        {
            var fetchTopic = new FetchRequest.FetchTopic { Topic = topic };
            foreach (var (partition, offset) in partitions)
            {
                fetchTopic.Partitions.Add(new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offset, PartitionMaxBytes = 1 << 20 });
            }

            request.Topics.Add(fetchTopic);
        }

        return request;
    }

    private static FetchResponse Fetch(RawKafkaConnection connection, FetchRequest request)
    {
        var id = connection.Send(request, Version);
        return connection.Receive<FetchResponse>(1, Version, id);
    }

    private static void Produce(RawKafkaConnection connection, string topic, int partition, string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, System.Text.Encoding.UTF8.GetBytes(value));
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        request.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = partition, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        var id = connection.Send(request, 9);
        Assert.Equal(0, connection.Receive<ProduceResponse>(0, 9, id).Responses[0].PartitionResponses[0].ErrorCode);
    }
}
