using Fjord.Broker.Controller;
using Fjord.Broker.Network;
using Fjord.Metadata.Features;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// UpdateFeatures, versions 0-2 (KIP-584; <c>kafka-features upgrade/downgrade</c>), run as one
/// <see cref="Metadata.QuorumController.UpdateFeatures"/> command on the active controller or forwarded there (KIP-590).
/// - v0's AllowDowngrade means a safe downgrade; v1+ carries the upgrade type; ValidateOnly (v1+) writes nothing.
/// - All or nothing: the first refused feature's error is the top-level error, and v0-1 repeat it for every feature
///   (Kafka's ControllerApis does the same); v2 has no per-feature results. The levels Fjord supports are
///   <see cref="SupportedFeatures"/>; ApiVersions shows the finalized ones.
/// </summary>
public sealed class UpdateFeaturesHandler(ControllerRequestRouter router) : ApiHandler<UpdateFeaturesRequest, UpdateFeaturesResponse>
{
    public override ApiKey ApiKey => ApiKey.UpdateFeatures;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, UpdateFeaturesRequest request)
    {
        var updates = request.FeatureUpdates.Select(u => new FeatureUpdate(u.Feature, u.MaxVersionLevel, context.ApiVersion == 0
            ? (u.AllowDowngrade ? FeatureUpgradeType.SafeDowngrade : FeatureUpgradeType.Upgrade)
            : (FeatureUpgradeType)u.UpgradeType)).ToList();
        var duplicate = updates.GroupBy(u => u.Feature, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            return Respond(request, context.ApiVersion, ErrorCode.InvalidRequest, $"Feature {duplicate.Key} appears more than once.");
        var validateOnly = context.ApiVersion >= 1 && request.ValidateOnly;
        return await router.RunAsync<(ErrorCode Error, string? Message), UpdateFeaturesResponse>(context, request,
            c => c.UpdateFeatures(updates, validateOnly),
            outcome => Respond(request, context.ApiVersion, outcome.Error, outcome.Message),
            error => Respond(request, context.ApiVersion, error, null)).ConfigureAwait(false);
    }

    private static UpdateFeaturesResponse Respond(UpdateFeaturesRequest request, short version, ErrorCode error, string? message)
    {
        var response = new UpdateFeaturesResponse { ErrorCode = (short)error, ErrorMessage = message };
        if (version <= 1)
        {
            foreach (var update in request.FeatureUpdates)
                response.Results.Add(new() { Feature = update.Feature, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }

    protected override UpdateFeaturesResponse ErrorResponse(UpdateFeaturesRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };
}
