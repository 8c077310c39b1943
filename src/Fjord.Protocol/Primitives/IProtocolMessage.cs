namespace Fjord.Protocol;

/// <summary>
/// A Kafka message body (request, response, header or data schema) that can encode and decode itself
/// in any of its versions. Implementations are generated from Kafka's JSON specs (see
/// <c>Fjord.Protocol.Messages</c>); they are plain mutable objects and not thread-safe.
/// </summary>
public interface IProtocolMessage
{
    /// <summary>Replaces every field with the values decoded from <paramref name="reader"/>.</summary>
    /// <exception cref="ProtocolException">The input is short or malformed for this version.</exception>
    void Read(ref ProtocolReader reader, short version);

    /// <summary>Encodes the message; writes exactly <see cref="ComputeSize"/> bytes.</summary>
    /// <exception cref="ProtocolException">A value cannot be represented in this version.</exception>
    void Write(ref ProtocolWriter writer, short version);

    /// <summary>
    /// The exact number of bytes <see cref="Write"/> will produce for this version, so a frame length
    /// can be written before the body is streamed into a <c>PipeWriter</c>.
    /// </summary>
    int ComputeSize(short version);
}
