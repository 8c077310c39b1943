using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeUserScramCredentials, version 0 (KIP-554): the mechanisms and iteration counts of the users' SCRAM credentials
/// in the committed metadata image; never salts or keys. Answered by any node.
/// - Needs DESCRIBE on the cluster (<see cref="Security.RequestAuthorization"/>), else CLUSTER_AUTHORIZATION_FAILED.
/// - No users (null or empty list): every user with a credential. A named user without one: RESOURCE_NOT_FOUND; a user
///   named twice: DUPLICATE_RESOURCE, once. Users of the SASL users file are not metadata and are not listed.
/// </summary>
public sealed class DescribeUserScramCredentialsHandler(MetadataQuorum quorum)
    : ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeUserScramCredentials;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeUserScramCredentialsRequest request)
    {
        var credentials = quorum.StateMachine.Image.ScramCredentials;
        var response = new DescribeUserScramCredentialsResponse { ErrorMessage = null };
        var users = request.Users is { Count: > 0 } named
            ? named.Select(u => u.Name).ToList()
            : credentials.Keys.Select(k => k.User).Distinct(StringComparer.Ordinal).ToList();
        var duplicates = users.GroupBy(u => u, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var user in users.Distinct(StringComparer.Ordinal))
        {
            var result = new DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult { User = user, ErrorMessage = null };
            if (duplicates.Contains(user))
            {
                result.ErrorCode = (short)ErrorCode.DuplicateResource;
                result.ErrorMessage = "Cannot describe SCRAM credentials for the same user twice in a single request";
            }
            else
            {
                foreach (var (key, credential) in credentials)
                    if (key.User == user)
                        result.CredentialInfos.Add(new DescribeUserScramCredentialsResponse.CredentialInfo { Mechanism = key.Mechanism, Iterations = credential.Iterations });
                if (result.CredentialInfos.Count == 0)
                {
                    result.ErrorCode = (short)ErrorCode.ResourceNotFound;
                    result.ErrorMessage = "Attempt to describe a user credential that does not exist";
                }
            }
            response.Results.Add(result);
        }
        return new(response);
    }

    // As Kafka's getErrorResponse: the error at the top and on every named user.
    protected override DescribeUserScramCredentialsResponse ErrorResponse(DescribeUserScramCredentialsRequest request, ErrorCode error)
    {
        var response = new DescribeUserScramCredentialsResponse { ErrorCode = (short)error, ErrorMessage = null };
        foreach (var user in request.Users ?? [])
            response.Results.Add(new DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult { User = user.Name, ErrorCode = (short)error, ErrorMessage = null });
        return response;
    }
}
