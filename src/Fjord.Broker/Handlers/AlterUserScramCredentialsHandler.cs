using Fjord.Broker.Controller;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// AlterUserScramCredentials, version 0 (KIP-554): deletions and upsertions become one
/// <see cref="QuorumController.AlterUserScramCredentials"/> command on the active controller, answered once its records
/// commit; other nodes forward the request there (KIP-590). Every broker's image then holds the credentials, so the next
/// SCRAM connection on any node uses them.
/// - Needs ALTER on the cluster (<see cref="Security.RequestAuthorization"/>), else CLUSTER_AUTHORIZATION_FAILED per user.
/// - One result per user; a user's alterations apply together or not at all (errors listed on the controller command).
/// - Works with or without an authorizer and whether or not a SASL listener is configured, as Kafka.
/// </summary>
public sealed class AlterUserScramCredentialsHandler(ControllerRequestRouter router)
    : ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterUserScramCredentials;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterUserScramCredentialsRequest request)
    {
        var deletions = request.Deletions.Select(d => new ScramCredentialDeletion(d.Name, d.Mechanism)).ToList();
        var upsertions = request.Upsertions.Select(u => new ScramCredentialUpsertion(u.Name, u.Mechanism, u.Iterations, u.Salt, u.SaltedPassword)).ToList();
        return await router.RunAsync<IReadOnlyList<ScramAlterationResult>, AlterUserScramCredentialsResponse>(context, request,
            c => c.AlterUserScramCredentials(deletions, upsertions), Respond, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    private static AlterUserScramCredentialsResponse Respond(IReadOnlyList<ScramAlterationResult> results)
    {
        var response = new AlterUserScramCredentialsResponse();
        foreach (var r in results)
            response.Results.Add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult { User = r.User, ErrorCode = (short)r.Error, ErrorMessage = r.Message });
        return response;
    }

    protected override AlterUserScramCredentialsResponse ErrorResponse(AlterUserScramCredentialsRequest request, ErrorCode error)
    {
        var response = new AlterUserScramCredentialsResponse();
        var users = request.Deletions.Select(d => d.Name).Concat(request.Upsertions.Select(u => u.Name)).Distinct(StringComparer.Ordinal);
        foreach (var user in users)
            response.Results.Add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult { User = user, ErrorCode = (short)error, ErrorMessage = null });
        return response;
    }
}
