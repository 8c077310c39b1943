namespace Fjord.Broker.Security;

/// <summary>
/// The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener: which mechanism the handshake chose,
/// whether the client sends raw tokens (SaslHandshake v0) or SaslAuthenticate requests (v1), and whether it has
/// authenticated. Owned by the connection's loop and its SASL handlers, which run one at a time; the authentication
/// timeout reads <see cref="IsAuthenticated"/> from a timer thread, hence volatile.
/// </summary>
public sealed class SaslSession
{
    private volatile bool _authenticated;

    public string? Mechanism { get; private set; }

    /// <summary>After a SaslHandshake v0 the next frames are bare SASL tokens without a Kafka header.</summary>
    public bool ExpectsRawToken { get; private set; }

    public bool IsAuthenticated => _authenticated;

    /// <summary>Set when authentication failed; the connection closes after the response that says so.</summary>
    public bool Failed { get; private set; }

    public string? Principal { get; private set; }

    /// <summary>The SCRAM exchange under way, after the client-first message.</summary>
    public ScramExchange? Scram { get; set; }

    /// <summary>True while a handshake may come: before one succeeded.</summary>
    public bool AwaitsHandshake => Mechanism is null && !_authenticated;

    /// <summary>True when a token may come: a mechanism is chosen and the client has not authenticated yet.</summary>
    public bool AwaitsToken => Mechanism is not null && !_authenticated && !Failed;

    public void HandshakeSucceeded(string mechanism, short handshakeVersion)
    {
        Mechanism = mechanism;
        ExpectsRawToken = handshakeVersion == 0;
    }

    public void Authenticated(string user)
    {
        Principal = "User:" + user;
        ExpectsRawToken = false;
        _authenticated = true;
    }

    public void Fail() => Failed = true;
}
