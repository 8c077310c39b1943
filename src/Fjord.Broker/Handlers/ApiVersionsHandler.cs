using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ApiVersions, versions 0-4.
/// - Lists every registered handler with its advertised range, so clients negotiate exactly what
///   is implemented.
/// - A version above 4 never reaches here: the connection loop answers it with a v0 body carrying
///   UNSUPPORTED_VERSION and this list (KIP-511), so clients retry with our maximum.
/// - v3+: ClientSoftwareName/Version must match Kafka's pattern, else INVALID_REQUEST, after which
///   librdkafka retries with v0.
/// </summary>
public sealed class ApiVersionsHandler(ApiHandlerRegistry registry) : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    public override ApiKey ApiKey => ApiKey.ApiVersions;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ApiVersionsRequest request)
    {
        if (context.ApiVersion >= 3 && (!IsValidSoftwareField(request.ClientSoftwareName) || !IsValidSoftwareField(request.ClientSoftwareVersion)))
        {
            return new(ErrorResponse(request, ErrorCode.InvalidRequest));
        }

        return new(BuildResponse(ErrorCode.None));
    }

    protected override ApiVersionsResponse ErrorResponse(ApiVersionsRequest request, ErrorCode error) => BuildResponse(error);

    /// <summary>The response body; also used, encoded as v0, for versions we do not know.</summary>
    public ApiVersionsResponse BuildResponse(ErrorCode error)
    {
        var response = new ApiVersionsResponse { ErrorCode = (short)error };
        foreach (var handler in registry.Supported)
        {
            response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion
            {
                ApiKey = (short)handler.ApiKey,
                MinVersion = handler.AdvertisedMinVersion,
                MaxVersion = handler.MaxVersion,
            });
        }

        return response;
    }

    /// <summary>Kafka's rule for software names and versions: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?</summary>
    internal static bool IsValidSoftwareField(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterOrDigit(value[0]) || !char.IsAsciiLetterOrDigit(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '.')
            {
                return false;
            }
        }

        return true;
    }
}
