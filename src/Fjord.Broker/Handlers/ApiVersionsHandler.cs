using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Metadata.Features;
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
///   librdkafka retries with v0. Valid ones are kept on the connection (<see cref="ClientSoftware"/>, for KIP-714).
/// - v3+ features (KIP-584): SupportedFeatures from <see cref="SupportedFeatures"/>; FinalizedFeatures are the
///   committed image's feature levels (UpdateFeatures writes them) over the new-cluster levels
///   (<see cref="SupportedFeatures.NewClusterLevels"/>: transaction.version 2, which makes a Kafka 4 client use
///   transactions version 2), with the image's offset as their epoch (0 before the first image).
/// </summary>
public sealed class ApiVersionsHandler(ApiHandlerRegistry registry, Func<MetadataImage?> image) : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
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

        if (context.ApiVersion >= 3)
        {
            context.Software.Name = request.ClientSoftwareName;
            context.Software.Version = request.ClientSoftwareVersion;
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

        foreach (var (name, range) in SupportedFeatures.All)
            response.SupportedFeatures.Add(new() { Name = name, MinVersion = range.Min, MaxVersion = range.Max });
        var committed = image();
        var finalized = committed?.Features ?? System.Collections.Immutable.ImmutableSortedDictionary<string, int>.Empty;
        // A client takes finalized features only from an epoch above the last it saw (-1 at first): 0 before any metadata.
        response.FinalizedFeaturesEpoch = committed is null ? 0 : (long)committed.Offset;
        foreach (var (name, level) in SupportedFeatures.NewClusterLevels)
        {
            if (!finalized.ContainsKey(name))
                response.FinalizedFeatures.Add(new() { Name = name, MinVersionLevel = level, MaxVersionLevel = level });
        }
        foreach (var (name, level) in finalized)
        {
            if (level > 0)
                response.FinalizedFeatures.Add(new() { Name = name, MinVersionLevel = (short)level, MaxVersionLevel = (short)level });
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
