using System.Net;
using System.Text;
using Fjord.Broker.Metrics;
using Fjord.Broker.Quorum;
using Fjord.Metadata.Scram;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Security;

/// <summary>
/// Checks SASL tokens for the mechanisms enabled on the Kafka listener (PLAIN, RFC 4616; SCRAM-SHA-256/512,
/// RFC 5802/7677) and records the outcome:
/// a failure is logged with the user and the client's address, and counted, but the client only ever hears a generic
/// message, so it cannot tell an unknown user from a wrong password. SCRAM credentials come from the committed metadata
/// image (KIP-554), read at each exchange so an altered or deleted credential counts for the next connection; a user
/// with no credential there for the mechanism falls back to the users file's derived one, the bootstrap for the first
/// admin. Thread-safe; one for the broker.
/// </summary>
public sealed partial class SaslAuthenticator(KafkaListenerSecurity security, MetadataQuorum quorum, BrokerMetrics metrics, ILogger<SaslAuthenticator> logger)
{
    public const string GenericFailureMessage = "Authentication failed: Invalid username or password";

    public IReadOnlyList<string> EnabledMechanisms => security.SaslMechanisms;

    public bool IsEnabled(string mechanism) => security.SaslMechanisms.Contains(mechanism, StringComparer.Ordinal);

    /// <summary>
    /// Checks <paramref name="token"/> for the session's mechanism. True with the server's token in
    /// <paramref name="response"/> when the exchange goes on or is done (<see cref="SaslSession.IsAuthenticated"/>
    /// tells which); false when authentication failed.
    /// </summary>
    public bool Authenticate(SaslSession session, ReadOnlySpan<byte> token, string connectionId, EndPoint? remote, out byte[] response)
    {
        var (user, answer, done) = ScramMechanism.Find(session.Mechanism ?? "") is { } scram
            ? StepScram(session, scram, token)
            : CheckPlain(token);
        if (answer is null)
        {
            response = [];
            session.Fail();
            metrics.SaslAuthenticationFailed(session.Mechanism ?? "");
            LogFailed(connectionId, remote?.ToString(), session.Mechanism ?? "", user ?? "(unparsable token)");
            return false;
        }

        response = answer;
        if (done)
        {
            session.Authenticated(user!);
            LogAuthenticated(connectionId, remote?.ToString(), session.Principal!, session.Mechanism ?? "");
        }

        return true;
    }

    /// <summary>One SCRAM step: client-first gets server-first, client-final gets server-final (then done).</summary>
    private (string? User, byte[]? Answer, bool Done) StepScram(SaslSession session, ScramMechanism scram, ReadOnlySpan<byte> token)
    {
        var exchange = session.Scram ??= new ScramExchange(scram,
            name => quorum.StateMachine.Image.GetScramCredential(name, scram) ?? security.PlainUsers?.Scram(name, scram));
        if (exchange.User is null)
        {
            var serverFirst = exchange.ServerFirst(token);
            return (exchange.User, serverFirst, false);
        }

        return (exchange.User, exchange.ServerFinal(token), true);
    }

    private (string? User, byte[]? Answer, bool Done) CheckPlain(ReadOnlySpan<byte> token)
    {
        var user = ParsePlain(token, out var authorizationId, out var password);
        var ok = user is not null
            && (authorizationId.Length == 0 || authorizationId == user)
            && security.PlainUsers is { } users && users.Verify(user, password);
        return (user, ok ? [] : null, true);
    }

    /// <summary>RFC 4616: [authzid] NUL authcid NUL passwd, UTF-8. Returns the user, or null for a malformed token.</summary>
    private static string? ParsePlain(ReadOnlySpan<byte> token, out string authorizationId, out string password)
    {
        authorizationId = "";
        password = "";
        var first = token.IndexOf((byte)0);
        if (first < 0)
        {
            return null;
        }

        var rest = token[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second <= 0)
        {
            return null;
        }

        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            authorizationId = strict.GetString(token[..first]);
            password = strict.GetString(rest[(second + 1)..]);
            return strict.GetString(rest[..second]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Connection {ConnectionId} from {Remote} authenticated as {Principal} with SASL/{Mechanism}")]
    private partial void LogAuthenticated(string connectionId, string? remote, string principal, string mechanism);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote}: SASL/{Mechanism} authentication failed for user '{User}'")]
    private partial void LogFailed(string connectionId, string? remote, string mechanism, string user);
}
