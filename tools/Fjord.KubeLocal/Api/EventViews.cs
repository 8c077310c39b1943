using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// core/v1 and events.k8s.io/v1 Events are two views of one store, as in the apiserver: objects are stored in the
/// core shape and renamed on the way in and out (regarding ↔ involvedObject, note ↔ message, deprecated* ↔ …). Pure.
/// </summary>
public static class EventViews
{
    private static readonly (string Core, string Events)[] Renames =
    [
        ("involvedObject", "regarding"),
        ("message", "note"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
        ("reportingComponent", "reportingController"),
    ];

    public static JsonObject ToCore(JsonObject eventsView) => Rename(eventsView, r => (r.Events, r.Core), "v1");

    public static JsonObject ToEventsView(JsonObject core) => Rename(core, r => (r.Core, r.Events), "events.k8s.io/v1");

    private static JsonObject Rename(JsonObject source, Func<(string Core, string Events), (string From, string To)> direction, string apiVersion)
    {
        var result = source.DeepClone().AsObject();
        foreach (var rename in Renames)
        {
            var (from, to) = direction(rename);
            if (result[from] is { } value)
            {
                result.Remove(from);
                result[to] = value.DeepClone();
            }
        }

        result["apiVersion"] = apiVersion;
        return result;
    }
}
