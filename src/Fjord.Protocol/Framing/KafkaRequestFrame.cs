using System.Buffers;
using System.Buffers.Binary;
using Fjord.Protocol.Messages;

namespace Fjord.Protocol.Framing;

/// <summary>
/// The client side of Kafka's framing: a request as one size-prefixed frame (header + body at the request's header
/// version) and a response frame (without its size prefix) decoded back into its message after its correlation id is
/// checked. Used by everything in Fjord that talks to a Kafka listener as a client: the replica fetcher, the
/// transaction marker channel, the CLI and the tests. Thread-safe: static and pure.
/// </summary>
public static class KafkaRequestFrame
{
    /// <summary>Encodes <paramref name="request"/> at <paramref name="version"/> with its 4-byte size prefix.</summary>
    public static byte[] Encode(IRequestMessage request, short version, int correlationId, string clientId)
    {
        var body = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(body);
        var header = new RequestHeader { RequestApiKey = request.ApiKey, RequestApiVersion = version, CorrelationId = correlationId, ClientId = clientId };
        header.Write(ref writer, ApiMessages.RequestHeaderVersion(request.ApiKey, version));
        request.Write(ref writer, version);
        var frame = new byte[4 + body.WrittenCount];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.WrittenCount);
        body.WrittenSpan.CopyTo(frame.AsSpan(4));
        return frame;
    }

    /// <summary>
    /// Decodes a response frame (the bytes after the size prefix) to a request of <paramref name="apiKey"/> sent at
    /// <paramref name="version"/>. Throws <see cref="ProtocolException"/> when the correlation id is not
    /// <paramref name="correlationId"/> or the bytes do not parse.
    /// </summary>
    public static TResponse DecodeResponse<TResponse>(ReadOnlySequence<byte> frame, short apiKey, short version, int correlationId)
        where TResponse : IResponseMessage, new()
    {
        var reader = new ProtocolReader(frame);
        var header = new ResponseHeader();
        header.Read(ref reader, ApiMessages.ResponseHeaderVersion(apiKey, version));
        if (header.CorrelationId != correlationId)
        {
            throw new ProtocolException($"response correlation id {header.CorrelationId}, expected {correlationId}");
        }

        var response = new TResponse();
        response.Read(ref reader, version);
        return response;
    }
}
