using System.Buffers;
using System.Buffers.Binary;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests;

/// <summary>
/// Hostile and broken input against a real broker process: every case ends in a Kafka error
/// or a closed connection, the broker keeps serving other clients, and the log stays intact.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly BrokerProcess _broker = BrokerProcess.Start();

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void SizePrefixOf2GiB_ClosesTheConnectionWithoutBuffering()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, int.MaxValue);
        connection.SendRaw(prefix);
        Assert.True(connection.WaitForClose(), "the broker kept a connection that announced a 2 GiB request");
        AssertBrokerServes();
    }

    [Fact]
    public void NegativeAndTinySizePrefixes_CloseTheConnection()
    {
        foreach (var size in new[] { -1, 0, 3 })
        {
            using var connection = new RawKafkaConnection(_broker.KafkaPort);
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, size);
            connection.SendRaw(prefix);
            Assert.True(connection.WaitForClose(), $"size {size} did not close the connection");
        }

        AssertBrokerServes();
    }

    [Fact]
    public void UnknownApiKey_ClosesTheConnection()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        connection.SendRaw(Frame(apiKey: 999, version: 0, body: []));
        Assert.True(connection.WaitForClose());
        AssertBrokerServes();
    }

    [Fact]
    public void ApiVersionsAboveOurMaximum_GetsAV0BodyWithUnsupportedVersionAndOurRanges()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        connection.SendRaw(Frame(apiKey: 18, version: 99, body: [0])); // header v2: an empty tagged-field section
        var frame = connection.ReceiveFrame();
        Assert.NotNull(frame);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(frame));
        var header = new ResponseHeader();
        header.Read(ref reader, 0);
        var response = new ApiVersionsResponse();
        response.Read(ref reader, 0);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        var apiVersions = Assert.Single(response.ApiKeys, k => k.ApiKey == 18);
        Assert.Equal(4, apiVersions.MaxVersion);
    }

    [Fact]
    public void ProduceVersionBelowRecordBatches_GetsUnsupportedVersion()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 1000 };
        request.TopicData.Add(new ProduceRequest.TopicProduceData { Name = "old", PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(new byte[30]) }] });
        var id = connection.Send(request, version: 2);
        var response = connection.Receive<ProduceResponse>(0, 2, id);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    [Fact]
    public void MetadataVersionNoSpecKnows_ClosesTheConnection()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        connection.SendRaw(Frame(apiKey: 3, version: 500, body: []));
        Assert.True(connection.WaitForClose());
        AssertBrokerServes();
    }

    [Fact]
    public void CorruptedBatchCrc_IsRejectedWithCorruptMessage_AndNothingIsAppended()
    {
        var topic = TestTopics.Unique("crc");
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        CreateTopic(connection, topic);

        var good = Batch("good");
        Assert.Equal(ErrorCode.None, Produce(connection, topic, good).Error);

        var corrupt = Batch("corrupt");
        corrupt[^1] ^= 0xFF;
        var (error, _) = Produce(connection, topic, corrupt);
        Assert.Equal(ErrorCode.CorruptMessage, error);

        var legacy = Batch("legacy");
        legacy[RecordBatchHeader.MagicOffset] = 1;
        Assert.Equal(ErrorCode.UnsupportedForMessageFormat, Produce(connection, topic, legacy).Error);

        var (afterError, offset) = Produce(connection, topic, Batch("after"));
        Assert.Equal(ErrorCode.None, afterError);
        Assert.Equal(1, offset); // only the good batch went in before it
    }

    [Fact]
    public void TruncatedFrameThenDisconnect_LeavesTheBrokerServing()
    {
        var topic = TestTopics.Unique("trunc");
        using (var setup = new RawKafkaConnection(_broker.KafkaPort))
        {
            CreateTopic(setup, topic);
        }

        var request = ProduceRequestFor(topic, Batch("half"));
        var frame = RawKafkaConnection.Encode(request, 7, 1);
        using (var connection = new RawKafkaConnection(_broker.KafkaPort))
        {
            connection.SendRaw(frame.AsSpan(0, frame.Length / 2));
        }

        using var check = new RawKafkaConnection(_broker.KafkaPort);
        var (error, offset) = Produce(check, topic, Batch("whole"));
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(0, offset); // the half-sent batch never reached the log
    }

    [Fact]
    public void AcksZeroRequestsSentJustBeforeTheClientCloses_AreAllAppended()
    {
        // A fire-and-forget producer writes its last requests and closes at once (librdkafka does on
        // Dispose); Kafka still serves every request that arrived before the close.
        const int requests = 400;
        var topic = TestTopics.Unique("acks0-close");
        using (var setup = new RawKafkaConnection(_broker.KafkaPort))
        {
            CreateTopic(setup, topic);
        }

        var frames = new ArrayBufferWriter<byte>();
        for (var i = 0; i < requests; i++)
        {
            var request = ProduceRequestFor(topic, Batch($"v{i}"));
            request.Acks = 0;
            frames.Write(RawKafkaConnection.Encode(request, 7, correlationId: i + 1));
        }

        using (var connection = new RawKafkaConnection(_broker.KafkaPort))
        {
            connection.SendRaw(frames.WrittenSpan);
        }

        using var check = new RawKafkaConnection(_broker.KafkaPort);
        var logEnd = 0L;
        Eventually.True(() => (logEnd = LogEndOffset(check, topic)) >= requests, TimeSpan.FromSeconds(60),
            () => $"only {logEnd} of {requests} fire-and-forget batches reached the log");
        // None twice: an acknowledged batch appended after them lands right behind the last one.
        var (error, marker) = Produce(check, topic, Batch("marker"));
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(requests, marker);
    }

    private static long LogEndOffset(RawKafkaConnection connection, string topic)
    {
        var request = new ListOffsetsRequest { ReplicaId = -1 };
        request.Topics.Add(new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] });
        return connection.Receive<ListOffsetsResponse>(2, 1, connection.Send(request, 1)).Topics[0].Partitions[0].Offset;
    }

    [Fact]
    public void RandomBodiesForEveryApi_GetAnAnswerOrAClose_NeverAHang()
    {
        var random = new Random(20261125);
        var keys = ApiMessages.AllApiKeys.Where(k => k != (short)ApiKey.Fetch).ToList(); // a random Fetch may validly long-poll for minutes
        for (var i = 0; i < 150; i++)
        {
            var apiKey = keys[random.Next(keys.Count)];
            ApiMessages.TryGetVersionRange(apiKey, out var lowest, out var highest);
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            using var connection = new RawKafkaConnection(_broker.KafkaPort);
            connection.SendRaw(Frame(apiKey, (short)random.Next(lowest, highest + 1), body));

            // Follow with a valid request: the connection must either close or answer it in order.
            connection.SendRaw(RawKafkaConnection.Encode(new ApiVersionsRequest(), 0, correlationId: 4242));
            while (connection.ReceiveFrame() is { } frame)
            {
                if (BinaryPrimitives.ReadInt32BigEndian(frame) == 4242)
                {
                    break;
                }
            }
        }

        AssertBrokerServes();
    }

    private void AssertBrokerServes()
    {
        using var connection = new RawKafkaConnection(_broker.KafkaPort);
        var id = connection.Send(new ApiVersionsRequest(), 0);
        var response = connection.Receive<ApiVersionsResponse>(18, 0, id);
        Assert.Equal(0, response.ErrorCode);
    }

    private static byte[] Frame(short apiKey, short version, byte[] body)
    {
        // header v1: api key, version, correlation id, client id (int16 length)
        var frame = new byte[4 + 10 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 10 + body.Length);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), apiKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), version);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), 7);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), 0);
        body.CopyTo(frame.AsSpan(14));
        return frame;
    }

    private static byte[] Batch(string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "k"u8.ToArray(), System.Text.Encoding.UTF8.GetBytes(value));
        return builder.ToArray();
    }

    private static void CreateTopic(RawKafkaConnection connection, string topic)
    {
        var request = new CreateTopicsRequest();
        request.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        var id = connection.Send(request, 4);
        var response = connection.Receive<CreateTopicsResponse>(19, 4, id);
        Assert.Equal(0, response.Topics[0].ErrorCode);
    }

    private static ProduceRequest ProduceRequestFor(string topic, byte[] batch)
    {
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        request.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(batch) }] });
        return request;
    }

    private static (ErrorCode Error, long Offset) Produce(RawKafkaConnection connection, string topic, byte[] batch)
    {
        var id = connection.Send(ProduceRequestFor(topic, batch), 7);
        var partition = connection.Receive<ProduceResponse>(0, 7, id).Responses[0].PartitionResponses[0];
        return ((ErrorCode)partition.ErrorCode, partition.BaseOffset);
    }
}
