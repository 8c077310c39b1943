namespace Fjord.Broker.Security;

/// <summary>Kafka's security protocols of a listener (<c>listener.security.protocol.map</c> values).</summary>
public enum SecurityProtocol
{
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}
