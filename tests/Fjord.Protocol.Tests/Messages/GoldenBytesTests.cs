using System.Buffers;
using System.Text;
using Fjord.Protocol.Messages;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>Hand-assembled frames, byte for byte as clients send them, decoded and re-encoded.</summary>
public sealed class GoldenBytesTests
{
    [Fact]
    public void ApiVersionsV3Request_FromLibrdkafka_DecodesHeaderV2AndCompactBody()
    {
        byte[] frame = Concat(
            [0x00, 0x12], // RequestApiKey 18
            [0x00, 0x03], // RequestApiVersion 3
            [0x00, 0x00, 0x00, 0x01], // CorrelationId 1
            [0x00, 0x07], Ascii("rdkafka"), // ClientId: int16 length even in header v2
            [0x00], // header tagged fields
            [0x0b], Ascii("librdkafka"), // ClientSoftwareName, compact (10 + 1)
            [0x06], Ascii("2.0.2"), // ClientSoftwareVersion, compact (5 + 1)
            [0x00]); // body tagged fields

        var reader = new ProtocolReader(new ReadOnlySequence<byte>(frame));
        var header = new RequestHeader();
        short headerVersion = ApiMessages.RequestHeaderVersion(18, 3);
        header.Read(ref reader, headerVersion);
        var request = new ApiVersionsRequest();
        request.Read(ref reader, header.RequestApiVersion);

        Assert.Equal(2, headerVersion);
        Assert.Equal(18, header.RequestApiKey);
        Assert.Equal(3, header.RequestApiVersion);
        Assert.Equal(1, header.CorrelationId);
        Assert.Equal("rdkafka", header.ClientId);
        Assert.Equal("librdkafka", request.ClientSoftwareName);
        Assert.Equal("2.0.2", request.ClientSoftwareVersion);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(frame, Concat(Encode(header, 2), Encode(request, 3)));
    }

    [Fact]
    public void MetadataV0Request_FromKafkaPython_DecodesTopics()
    {
        byte[] frame = Concat(
            [0x00, 0x03, 0x00, 0x00], // Metadata v0
            [0x00, 0x00, 0x00, 0x2a], // CorrelationId 42
            [0x00, 0x0c], Ascii("kafka-python"),
            [0x00, 0x00, 0x00, 0x02], // 2 topics
            [0x00, 0x03], Ascii("foo"),
            [0x00, 0x03], Ascii("bar"));

        var reader = new ProtocolReader(new ReadOnlySequence<byte>(frame));
        var header = new RequestHeader();
        header.Read(ref reader, ApiMessages.RequestHeaderVersion(3, 0));
        var request = new MetadataRequest();
        request.Read(ref reader, 0);

        Assert.Equal(42, header.CorrelationId);
        Assert.Equal("kafka-python", header.ClientId);
        Assert.NotNull(request.Topics);
        Assert.Equal(["foo", "bar"], request.Topics.Select(t => t.Name));
        Assert.Equal(frame, Concat(Encode(header, 1), Encode(request, 0)));
    }

    [Fact]
    public void MetadataV1Request_NullTopics_MeansAllTopics()
    {
        byte[] body = [0xff, 0xff, 0xff, 0xff]; // Topics: null array (v1: all topics)
        var request = new MetadataRequest();
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(body));
        request.Read(ref reader, 1);

        Assert.Null(request.Topics);
        Assert.Equal(body, Encode(request, 1));
    }

    [Fact]
    public void MetadataV0Request_NullTopics_IsRejected()
    {
        var request = new MetadataRequest { Topics = null };
        Assert.Throws<ProtocolException>(() => Encode(request, 0));
    }

    [Fact]
    public void ProduceV7Request_DecodesHeaderAndSlicesRecords()
    {
        byte[] records = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        byte[] frame = Concat(
            [0x00, 0x00, 0x00, 0x07], // Produce v7, header v1
            [0x00, 0x00, 0x00, 0x05], // CorrelationId 5
            [0xff, 0xff], // ClientId null
            [0xff, 0xff], // TransactionalId null
            [0xff, 0xff], // Acks -1
            [0x00, 0x00, 0x75, 0x30], // TimeoutMs 30000
            [0x00, 0x00, 0x00, 0x01], [0x00, 0x01], Ascii("t"), // one topic "t"
            [0x00, 0x00, 0x00, 0x01], [0x00, 0x00, 0x00, 0x02], // one partition, index 2
            [0x00, 0x00, 0x00, 0x09], records);

        var reader = new ProtocolReader(Segments.OneBytePerSegment(frame));
        var header = new RequestHeader();
        Assert.Equal(1, ApiMessages.RequestHeaderVersion(0, 7));
        header.Read(ref reader, 1);
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);

        Assert.Equal(0, header.RequestApiKey);
        Assert.Equal(7, header.RequestApiVersion);
        Assert.Equal(5, header.CorrelationId);
        Assert.Null(header.ClientId);
        Assert.Null(request.TransactionalId);
        Assert.Equal(-1, request.Acks);
        Assert.Equal(30000, request.TimeoutMs);
        var partition = Assert.Single(Assert.Single(request.TopicData).PartitionData);
        Assert.Equal(2, partition.Index);
        Assert.Equal(records, partition.Records!.Value.ToArray());
        Assert.Equal(frame, Concat(Encode(header, 1), Encode(request, 7)));
    }

    [Fact]
    public void ApiVersionsV3Response_UsesHeaderV0AndFlexibleBody()
    {
        Assert.Equal(0, ApiMessages.ResponseHeaderVersion(18, 3));
        var response = new ApiVersionsResponse
        {
            ErrorCode = 0,
            ApiKeys = [new ApiVersionsResponse.ApiVersion { ApiKey = 18, MinVersion = 0, MaxVersion = 3 }],
            ThrottleTimeMs = 0,
        };
        byte[] expected =
        [
            0x00, 0x00, // ErrorCode
            0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, // ApiKeys: compact length 1 + 1, one entry with tagged fields
            0x00, 0x00, 0x00, 0x00, // ThrottleTimeMs
            0x00, // tagged fields
        ];
        Assert.Equal(expected, Encode(response, 3));
    }

    [Fact]
    public void TaggedField_NonDefault_IsWrittenInTaggedSectionAndReadBack()
    {
        // ApiVersionsResponse v3 tag 1: FinalizedFeaturesEpoch (int64, default -1).
        var response = new ApiVersionsResponse { FinalizedFeaturesEpoch = 7 };
        byte[] bytes = Encode(response, 3);
        byte[] tail = [0x01, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x07]; // one field: tag 1, size 8, value 7
        Assert.Equal(tail, bytes[^tail.Length..]);

        var decoded = new ApiVersionsResponse();
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes));
        decoded.Read(ref reader, 3);
        Assert.Equal(7, decoded.FinalizedFeaturesEpoch);
    }

    [Fact]
    public void UnknownTaggedField_IsSkipped()
    {
        // ApiVersionsRequest v3 ("a", "b") followed by a tagged section holding an unknown tag 9 of 2 bytes.
        byte[] body = [0x02, 0x61, 0x02, 0x62, 0x01, 0x09, 0x02, 0xaa, 0xbb];
        var request = new ApiVersionsRequest();
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(body));
        request.Read(ref reader, 3);
        Assert.Equal("a", request.ClientSoftwareName);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void NonIgnorableField_NotInVersion_ThrowsOnWrite()
    {
        // ProduceRequest.TransactionalId exists from v3 and is not ignorable.
        var request = new ProduceRequest { TransactionalId = "txn" };
        var exception = Assert.Throws<ProtocolException>(() => Encode(request, 2));
        Assert.Contains("TransactionalId", exception.Message);
        Assert.Throws<ProtocolException>(() => request.ComputeSize(2));
    }

    [Fact]
    public void IgnorableField_NotInVersion_IsDropped()
    {
        // FetchResponse.PartitionData.LastStableOffset is ignorable and exists from v4.
        var response = new FetchResponse
        {
            Responses = [new() { Topic = "t", Partitions = [new() { LastStableOffset = 10 }] }],
        };
        Assert.Equal(response.ComputeSize(3), Encode(response, 3).Length);
    }

    [Fact]
    public void CollidingStructName_GetsDataSuffix()
    {
        var request = new DescribeTopicPartitionsRequest { Cursor = new DescribeTopicPartitionsRequest.CursorData { TopicName = "t" } };
        Assert.Equal("t", request.Cursor.TopicName);
    }

    private static byte[] Encode(IProtocolMessage message, short version) => MessageRoundTripTests.Encode(message, version, out _);

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
