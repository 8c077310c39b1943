using System.Text;
using System.Text.Json.Nodes;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Selectors;
using Fjord.KubeLocal.Store;
using Microsoft.AspNetCore.Http;

namespace Fjord.KubeLocal.Api;

public sealed partial class ApiServer
{
    /// <summary>How often a watch with allowWatchBookmarks gets a BOOKMARK carrying the current resourceVersion.</summary>
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A watch: one compact JSON event per line, flushed per event. No resourceVersion (or "0") starts with ADDED
    /// for every current object; N sends only later events, or one ERROR 410 Expired when N is older than the event
    /// history. Selectors turn MODIFIED into ADDED/DELETED as objects enter or leave the selection.
    /// </summary>
    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], type.StorageKey);
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var initialEventsEnd = IsTrue(query["sendInitialEvents"]);
        var rvText = query["resourceVersion"].ToString();
        long? from = rvText is "" or "0" ? null
            : long.TryParse(rvText, out var parsed) ? parsed
            : throw KubeApiException.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be an integer");
        var timeout = long.TryParse(query["timeoutSeconds"], out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        if (initialEventsEnd)
        {
            from = null;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        WatchSubscription subscription;
        try
        {
            subscription = writer.Store.Subscribe(type.StorageKey, type.Namespaced ? ns : null, from);
        }
        catch (KubeApiException gone) when (gone.Code == 410)
        {
            await WriteEventAsync(context, "ERROR", gone.ToStatus());
            return;
        }

        using var _ = subscription;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var initialCount = from is null ? writer.Store.List(type.StorageKey, type.Namespaced ? ns : null).Count : 0;
        var sent = 0;
        var lastRv = writer.Store.ResourceVersion;
        if (initialEventsEnd && initialCount == 0)
        {
            await WriteBookmarkAsync(context, type, lastRv, initialEventsEnd: true);
        }

        try
        {
            while (!deadline.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                tick.CancelAfter(BookmarkInterval);
                StoredEvent stored;
                try
                {
                    if (!await subscription.Events.WaitToReadAsync(tick.Token))
                    {
                        return;
                    }

                    if (!subscription.Events.TryRead(out stored!))
                    {
                        continue;
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    if (bookmarks)
                    {
                        await WriteBookmarkAsync(context, type, lastRv, initialEventsEnd: false);
                    }

                    continue;
                }

                lastRv = Math.Max(lastRv, stored.ResourceVersion);
                var now = labels.Matches(stored.Object) && fields.Matches(stored.Object);
                var before = stored.Previous is not null && labels.Matches(stored.Previous) && fields.Matches(stored.Previous);
                var eventType = (stored.Type, before, now) switch
                {
                    ("ADDED", _, true) => "ADDED",
                    ("MODIFIED", true, true) => "MODIFIED",
                    ("MODIFIED", false, true) => "ADDED",
                    ("MODIFIED", true, false) => "DELETED",
                    ("DELETED", true, _) => "DELETED",
                    _ => null,
                };
                if (eventType is not null)
                {
                    var view = ToView(type, stored.Object);
                    await WriteEventAsync(context, eventType, WantsTable(context)
                        ? TableConverter.Convert(type, [view], view["metadata"]?["resourceVersion"]?.ToString() ?? "", context.Request.Query["includeObject"].ToString(), time.GetUtcNow())
                        : view);
                }

                if (from is null && stored.Previous is null && stored.Type == "ADDED" && ++sent == initialCount && initialEventsEnd)
                {
                    await WriteBookmarkAsync(context, type, lastRv, initialEventsEnd: true);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // timeoutSeconds elapsed or the client left: the stream ends and the client re-watches.
        }
    }

    private async Task WriteBookmarkAsync(HttpContext context, ResourceType type, long rv, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        await WriteEventAsync(context, "BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = meta });
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonNode obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString(Compact) + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
