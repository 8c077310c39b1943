using Fjord.Broker.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Fjord.Broker.Security;

/// <summary>
/// The security of the Kafka listener, resolved and loaded once at startup: its protocol (the value of
/// <c>listener.security.protocol.map</c> for <c>kafka.listener.name</c>), Kestrel's TLS options for SSL/SASL_SSL, and
/// the SASL mechanisms and PLAIN users for SASL_*. Loading reads every file, so bad settings fail the start with a
/// <see cref="ConfigException"/>. Immutable; thread-safe.
/// </summary>
public sealed class KafkaListenerSecurity
{
    private KafkaListenerSecurity(string listenerName, SecurityProtocol protocol, HttpsConnectionAdapterOptions? tls, IReadOnlyList<string> saslMechanisms, PlainCredentials? plainUsers, TimeSpan authenticationTimeout, int saslMaxReceiveSize)
    {
        ListenerName = listenerName;
        Protocol = protocol;
        Tls = tls;
        SaslMechanisms = saslMechanisms;
        PlainUsers = plainUsers;
        AuthenticationTimeout = authenticationTimeout;
        SaslMaxReceiveSize = saslMaxReceiveSize;
    }

    public string ListenerName { get; }

    public SecurityProtocol Protocol { get; }

    /// <summary>TLS options for Kestrel; null on PLAINTEXT and SASL_PLAINTEXT.</summary>
    public HttpsConnectionAdapterOptions? Tls { get; }

    public bool UsesSasl => Protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    public IReadOnlyList<string> SaslMechanisms { get; }

    public PlainCredentials? PlainUsers { get; }

    /// <summary>A SASL client that has not authenticated this long after the broker is ready is disconnected.</summary>
    public TimeSpan AuthenticationTimeout { get; }

    /// <summary>Largest frame accepted before authentication (Kafka's sasl.server.max.receive.size).</summary>
    public int SaslMaxReceiveSize { get; }

    /// <summary>A new connection's SASL state, or null when the listener does not authenticate.</summary>
    public SaslSession? NewSession() => UsesSasl ? new SaslSession() : null;

    public static KafkaListenerSecurity Load(BrokerConfig config)
    {
        var name = config.GetString("kafka.listener.name");
        var protocol = ResolveProtocol(name, config.GetString("listener.security.protocol.map"));
        var tls = protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl ? TlsSettings.Load(config) : null;
        IReadOnlyList<string> mechanisms = [];
        PlainCredentials? plainUsers = null;
        if (protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            mechanisms = config.GetString("sasl.enabled.mechanisms").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (mechanisms.Count == 0)
            {
                throw new ConfigException($"sasl.enabled.mechanisms is empty but listener {name} is {protocol.ToKafkaName()}");
            }

            plainUsers = PlainCredentials.Load(config.GetString("sasl.plain.users.file"));
        }

        return new KafkaListenerSecurity(name, protocol, tls, mechanisms, plainUsers,
            TimeSpan.FromMilliseconds(config.GetLong("sasl.authentication.timeout.ms")), config.GetInt("sasl.server.max.receive.size"));
    }

    /// <summary>Kafka's map syntax: NAME:PROTOCOL,... (listener names are case-insensitive there and here).</summary>
    public static SecurityProtocol ResolveProtocol(string listenerName, string map)
    {
        foreach (var entry in map.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon <= 0)
            {
                throw new ConfigException($"listener.security.protocol.map: expected NAME:PROTOCOL, got '{entry}'");
            }

            var protocol = entry[(colon + 1)..].Trim().ToUpperInvariant() switch
            {
                "PLAINTEXT" => SecurityProtocol.Plaintext,
                "SSL" => SecurityProtocol.Ssl,
                "SASL_PLAINTEXT" => SecurityProtocol.SaslPlaintext,
                "SASL_SSL" => SecurityProtocol.SaslSsl,
                var other => throw new ConfigException($"listener.security.protocol.map: unknown security protocol '{other}' (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)"),
            };
            if (string.Equals(entry[..colon].Trim(), listenerName, StringComparison.OrdinalIgnoreCase))
            {
                return protocol;
            }
        }

        throw new ConfigException($"kafka.listener.name {listenerName} has no entry in listener.security.protocol.map");
    }
}
