using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Security;

/// <summary>
/// SaslHandshake v0-v1: picks the mechanism of the connection's SASL session. v0 means the client then sends bare
/// tokens (the connection loop handles those); v1 means SaslAuthenticate requests. An unknown mechanism is answered
/// with UNSUPPORTED_SASL_MECHANISM and the enabled list; a handshake on a listener without SASL, or a second one, with
/// ILLEGAL_SASL_STATE, as Kafka does.
/// </summary>
public sealed class SaslHandshakeHandler(SaslAuthenticator authenticator) : ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse>
{
    public override ApiKey ApiKey => ApiKey.SaslHandshake;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, SaslHandshakeRequest request)
    {
        if (context.Sasl is not { AwaitsHandshake: true } session)
        {
            return new(ErrorResponse(request, ErrorCode.IllegalSaslState));
        }

        if (!authenticator.IsEnabled(request.Mechanism))
        {
            return new(ErrorResponse(request, ErrorCode.UnsupportedSaslMechanism));
        }

        session.HandshakeSucceeded(request.Mechanism, context.ApiVersion);
        return new(ErrorResponse(request, ErrorCode.None));
    }

    protected override SaslHandshakeResponse ErrorResponse(SaslHandshakeRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, Mechanisms = [.. authenticator.EnabledMechanisms] };
}
