using System.Buffers;
using System.Buffers.Binary;
using Fjord.Protocol;
using Fjord.Protocol.Framing;
using Fjord.Protocol.Messages;
using Xunit;

namespace Fjord.Protocol.Tests.Framing;

public sealed class KafkaRequestFrameTests
{
    [Fact]
    public void Encode_AFlexibleRequest_WritesItsSizeThenAHeaderABrokerParses()
    {
        var request = new EndTxnRequest { TransactionalId = "txn-1", ProducerId = 42, ProducerEpoch = 3, Committed = true };

        var frame = KafkaRequestFrame.Encode(request, 3, correlationId: 7, clientId: "fjord-test");

        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame));
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(frame.AsMemory(4)));
        var header = new RequestHeader();
        header.Read(ref reader, ApiMessages.RequestHeaderVersion(EndTxnRequest.ApiKeyValue, 3));
        Assert.Equal((EndTxnRequest.ApiKeyValue, (short)3, 7, "fjord-test"), (header.RequestApiKey, header.RequestApiVersion, header.CorrelationId, header.ClientId));
        var decoded = new EndTxnRequest();
        decoded.Read(ref reader, 3);
        Assert.Equal(("txn-1", 42L, (short)3, true), (decoded.TransactionalId, decoded.ProducerId, decoded.ProducerEpoch, decoded.Committed));
    }

    [Fact]
    public void DecodeResponse_WithItsCorrelationId_ReturnsTheMessage()
    {
        var frame = ResponseFrame(new EndTxnResponse { ErrorCode = 47, ThrottleTimeMs = 5 }, correlationId: 9);

        var response = KafkaRequestFrame.DecodeResponse<EndTxnResponse>(frame, EndTxnRequest.ApiKeyValue, 3, 9);

        Assert.Equal((short)47, response.ErrorCode);
        Assert.Equal(5, response.ThrottleTimeMs);
    }

    [Fact]
    public void DecodeResponse_WithAnotherCorrelationId_Throws()
    {
        var frame = ResponseFrame(new EndTxnResponse(), correlationId: 10);

        var error = Assert.Throws<ProtocolException>(() => KafkaRequestFrame.DecodeResponse<EndTxnResponse>(frame, EndTxnRequest.ApiKeyValue, 3, 9));
        Assert.Contains("expected 9", error.Message);
    }

    private static ReadOnlySequence<byte> ResponseFrame(EndTxnResponse response, int correlationId)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(buffer);
        new ResponseHeader { CorrelationId = correlationId }.Write(ref writer, ApiMessages.ResponseHeaderVersion(EndTxnRequest.ApiKeyValue, 3));
        response.Write(ref writer, 3);
        return new ReadOnlySequence<byte>(buffer.WrittenMemory);
    }
}
