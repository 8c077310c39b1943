using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Security;

/// <summary>
/// SaslAuthenticate v0-v2 after a SaslHandshake v1. Success answers with an empty token; failure answers
/// SASL_AUTHENTICATION_FAILED with a generic message and the connection loop then closes the connection, as Kafka
/// does. Out of order (no handshake, or already authenticated) is ILLEGAL_SASL_STATE.
/// </summary>
public sealed class SaslAuthenticateHandler(SaslAuthenticator authenticator) : ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>
{
    public override ApiKey ApiKey => ApiKey.SaslAuthenticate;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, SaslAuthenticateRequest request)
    {
        if (context.Sasl is not { AwaitsToken: true, ExpectsRawToken: false } session)
        {
            context.Sasl?.Fail();
            return new(ErrorResponse(request, ErrorCode.IllegalSaslState));
        }

        return authenticator.Authenticate(session, request.AuthBytes, context.ConnectionId, context.RemoteEndPoint, out var answer)
            ? new(new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.None, ErrorMessage = null, AuthBytes = answer })
            : new(ErrorResponse(request, ErrorCode.SaslAuthenticationFailed));
    }

    protected override SaslAuthenticateResponse ErrorResponse(SaslAuthenticateRequest request, ErrorCode error) => new()
    {
        ErrorCode = (short)error,
        ErrorMessage = error == ErrorCode.SaslAuthenticationFailed ? SaslAuthenticator.GenericFailureMessage : error.KafkaName(),
    };
}
