namespace Fjord.Broker.Security;

/// <summary>Kafka's spelling of <see cref="SecurityProtocol"/> values.</summary>
public static class SecurityProtocolNames
{
    public static string ToKafkaName(this SecurityProtocol protocol) => protocol switch
    {
        SecurityProtocol.Ssl => "SSL",
        SecurityProtocol.SaslPlaintext => "SASL_PLAINTEXT",
        SecurityProtocol.SaslSsl => "SASL_SSL",
        _ => "PLAINTEXT",
    };
}
