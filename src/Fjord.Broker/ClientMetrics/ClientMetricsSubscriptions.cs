using Fjord.Metadata;
using Fjord.Metadata.Records;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// The subscriptions a metadata image holds: every CLIENT_METRICS config resource, parsed. Resources whose configs
/// do not parse (the controller validates them, so only a record written by an older or newer broker could) are
/// left out. Caches the parse of the last image it was asked about; thread-safe.
/// </summary>
public sealed class ClientMetricsSubscriptions
{
    private (MetadataImage Image, IReadOnlyList<ClientMetricsSubscription> Subscriptions)? _last;

    public IReadOnlyList<ClientMetricsSubscription> Of(MetadataImage image)
    {
        var last = _last;
        if (last is { } cached && ReferenceEquals(cached.Image, image)) return cached.Subscriptions;
        var subscriptions = new List<ClientMetricsSubscription>();
        foreach (var (resource, configs) in image.Configs)
        {
            if (resource.Type != ConfigResourceType.ConfigResourceClientMetrics) continue;
            if (ClientMetricsConfigs.Parse(resource.Name, configs, out _) is { } subscription) subscriptions.Add(subscription);
        }
        _last = (image, subscriptions);
        return subscriptions;
    }
}
