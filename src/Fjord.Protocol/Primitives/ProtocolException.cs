namespace Fjord.Protocol;

/// <summary>
/// Thrown when bytes on the wire do not form a valid Kafka message (short input, negative or
/// oversized lengths, malformed varints, null where the spec forbids it), or when a message cannot
/// be encoded in the requested version. The Kafka listener turns it into a closed connection or an
/// error response; it never means the broker's own state is corrupt. Immutable and thread-safe.
/// </summary>
public class ProtocolException : Exception
{
    public ProtocolException(string message)
        : base(message)
    {
    }

    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    // Factories used by the generated messages, so every message reports the same wording.
    internal static ProtocolException NullValue(string field, short version) =>
        new($"non-nullable field {field} was null in version {version}");

    internal static ProtocolException UnsupportedField(string field, short version) =>
        new($"field {field} not supported in version {version}");

    internal static ProtocolException UnsupportedVersion(string message, short version) =>
        new($"{message} does not support version {version}");
}
