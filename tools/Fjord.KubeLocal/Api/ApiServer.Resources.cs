using System.Text.Json.Nodes;
using Fjord.KubeLocal.Patching;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Selectors;
using Fjord.KubeLocal.Semantics;
using Microsoft.AspNetCore.Http;

namespace Fjord.KubeLocal.Api;

public sealed partial class ApiServer
{
    private async Task HandleResourceAsync(HttpContext context, string method, RequestTarget target)
    {
        var (type, ns, name, sub) = target;
        var query = context.Request.Query;
        if (type.Namespaced && ns is null && name is not null)
        {
            throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        }

        switch (method, name, sub)
        {
            case ("GET", null, null) when IsTrue(query["watch"]):
                await WatchAsync(context, type, ns);
                return;
            case ("GET", null, null):
                await ListAsync(context, type, ns);
                return;
            case ("POST", null, null):
            {
                var body = await ReadObjectAsync(context);
                var options = Options(context);
                var created = writer.Create(type, ns, ToStorage(type, body), options);
                await WriteObjectAsync(context, 201, type, created, options);
                return;
            }

            case ("DELETE", null, null):
                await DeleteCollectionAsync(context, type, ns);
                return;
            case ("GET", not null, null or "status"):
                await WriteObjectAsync(context, 200, type, Get(type, ns, name));
                return;
            case ("PUT", not null, null or "status"):
            {
                var body = await ReadObjectAsync(context);
                var options = Options(context);
                var updated = writer.Update(type, ns, name, ToStorage(type, body), sub, options, requireResourceVersion: true);
                await WriteObjectAsync(context, 200, type, updated, options);
                return;
            }

            case ("PATCH", not null, null or "status"):
                await PatchAsync(context, type, ns, name, sub);
                return;
            case ("DELETE", not null, null):
            {
                var request = await ReadDeleteRequestAsync(context);
                if (context.Request.Query["dryRun"].ToString() == "All")
                {
                    await WriteObjectAsync(context, 200, type, Get(type, ns, name));
                    return;
                }

                var (obj, removed) = writer.Delete(type, ns, name, request);
                await WriteObjectAsync(context, removed ? 200 : 202, type, obj);
                return;
            }

            case (_, not null, "scale"):
                await ScaleAsync(context, method, type, ns, name);
                return;
            case ("POST", not null, "binding"):
                await BindAsync(context, type, ns!, name);
                return;
            case ("POST", not null, "eviction"):
                writer.Delete(type, ns, name, (await ReadDeleteRequestAsync(context)) with { PropagationPolicy = "Background" });
                await WriteJsonAsync(context, 201, KubeStatus.Success());
                return;
            case ("GET", not null, "log"):
                await PodLogsAsync(context, ns!, name);
                return;
            case ("PUT", not null, "finalize"):
            {
                var body = await ReadObjectAsync(context);
                var updated = writer.Finalize(type, name, body);
                await WriteObjectAsync(context, 200, type, updated);
                return;
            }

            default:
                throw KubeApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private JsonObject Get(ResourceType type, string? ns, string name) =>
        writer.Store.Get(type.StorageKey, type.Namespaced ? ns : null, name) ?? throw KubeApiException.NotFound(type.Group, type.Plural, name);

    private async Task ListAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], type.StorageKey);
        List<JsonObject> items;
        long rv;
        lock (writer.Store.Gate)
        {
            rv = writer.Store.ResourceVersion;
            items = [.. writer.Store.List(type.StorageKey, type.Namespaced ? ns : null).Where(o => labels.Matches(o) && fields.Matches(o))];
        }

        var rvText = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var views = items.Select(o => ToView(type, o)).ToList();
        if (WantsTable(context))
        {
            await WriteJsonAsync(context, 200, TableConverter.Convert(type, views, rvText, query["includeObject"].ToString(), time.GetUtcNow()));
            return;
        }

        var list = new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rvText },
            ["items"] = new JsonArray([.. views]),
        };
        await WriteJsonAsync(context, 200, list);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], type.StorageKey);
        var request = await ReadDeleteRequestAsync(context);
        var deleted = new JsonArray();
        foreach (var obj in writer.Store.List(type.StorageKey, type.Namespaced ? ns : null).Where(o => labels.Matches(o) && fields.Matches(o)))
        {
            try
            {
                deleted.Add(ToView(type, writer.Delete(type, ApiObjects.NamespaceOf(obj), ApiObjects.NameOf(obj), request).Object));
            }
            catch (KubeApiException ex) when (ex.Code == 404)
            {
                // Deleted concurrently; a collection delete skips it as the apiserver does.
            }
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = writer.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    private async Task PatchAsync(HttpContext context, ResourceType type, string? ns, string name, string? sub)
    {
        var mediaType = MediaType(context.Request.ContentType);
        var body = await ReadBodyAsync(context) ?? throw KubeApiException.BadRequest("the body of the request was empty");
        var options = Options(context);
        JsonObject result;
        if (mediaType == "application/apply-patch+yaml")
        {
            if (body is not JsonObject config)
            {
                throw KubeApiException.BadRequest("an apply patch must be an object");
            }

            var force = IsTrue(context.Request.Query["force"]);
            if (!context.Request.Query.ContainsKey("fieldManager"))
            {
                throw KubeApiException.BadRequest("PATCH, actionType apply requires fieldManager to be set");
            }

            result = writer.Apply(type, ns, name, ToStorage(type, config), sub, options, force);
        }
        else
        {
            lock (writer.Store.Gate)
            {
                var current = ToView(type, Get(type, ns, name));
                JsonNode patched = mediaType switch
                {
                    "application/json-patch+json" => JsonPatch.Apply(current, body as JsonArray ?? throw KubeApiException.BadRequest("a JSON patch must be a list of operations")),
                    "application/merge-patch+json" => MergePatch.Apply(current, body)!,
                    "application/strategic-merge-patch+json" when type.IsCustom =>
                        throw KubeApiException.UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
                    "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current, body as JsonObject ?? throw KubeApiException.BadRequest("a strategic merge patch must be an object")),
                    _ => throw KubeApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
                };
                if (patched is not JsonObject patchedObject)
                {
                    throw new KubeApiException(422, "Invalid", "the patched object is not an object");
                }

                result = writer.Update(type, ns, name, ToStorage(type, patchedObject), sub, options, requireResourceVersion: false);
            }
        }

        await WriteObjectAsync(context, 200, type, result, options);
    }

    private async Task BindAsync(HttpContext context, ResourceType type, string ns, string name)
    {
        var body = await ReadObjectAsync(context);
        var node = body["target"]?["name"]?.GetValue<string>() ?? throw KubeApiException.Invalid("Binding", "", name, [("target.name", "Required value")]);
        lock (writer.Store.Gate)
        {
            var current = Get(type, ns, name);
            if (current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } bound)
            {
                throw KubeApiException.Conflict(type.Group, "pods/binding", name, $"pod {name} is already assigned to node \"{bound}\"");
            }

            if (current["metadata"]?["deletionTimestamp"] is not null)
            {
                throw KubeApiException.Conflict(type.Group, "pods/binding", name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            var updated = current.DeepClone().AsObject();
            ((JsonObject)updated["spec"]!)["nodeName"] = node;
            var status = updated["status"] as JsonObject ?? [];
            var conditions = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().Where(c => c["type"]?.GetValue<string>() != "PodScheduled").Select(c => (JsonNode)c.DeepClone()).ToList();
            conditions.Add(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = Clock.Time(time.GetUtcNow()) });
            status["conditions"] = new JsonArray([.. conditions]);
            updated["status"] = status;
            // Binding is the one way spec.nodeName changes; a plain update of it is forbidden.
            writer.CommitUpdate(type, current, updated, Options(context), checkImmutable: false);
        }

        await WriteJsonAsync(context, 201, KubeStatus.Success());
    }

    /// <summary>Converts a stored object to the requested version's view (CR apiVersion, events.k8s.io Events).</summary>
    private static JsonObject ToView(ResourceType type, JsonObject stored)
    {
        if (type.Group == "events.k8s.io")
        {
            return EventViews.ToEventsView(stored);
        }

        var view = stored.DeepClone().AsObject();
        view["apiVersion"] = type.ApiVersion;
        view["kind"] = type.Kind;
        return view;
    }

    private static JsonObject ToStorage(ResourceType type, JsonObject body) =>
        type.Group == "events.k8s.io" ? EventViews.ToCore(body) : body;

    private async Task WriteObjectAsync(HttpContext context, int code, ResourceType type, JsonObject obj, WriteOptions? options = null)
    {
        foreach (var warning in options?.Warnings ?? [])
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        var view = ToView(type, obj);
        if (WantsTable(context))
        {
            await WriteJsonAsync(context, code, TableConverter.Convert(type, [view], view["metadata"]?["resourceVersion"]?.ToString() ?? "", context.Request.Query["includeObject"].ToString(), time.GetUtcNow()));
            return;
        }

        await WriteJsonAsync(context, code, view);
    }

    private static bool WantsTable(HttpContext context) =>
        context.Request.Headers.Accept.ToString().Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadBodyAsync(context) as JsonObject ?? throw KubeApiException.BadRequest("the body of the request must be an object");

    private static async Task<DeleteRequest> ReadDeleteRequestAsync(HttpContext context)
    {
        var query = context.Request.Query;
        JsonObject? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            body = await ReadBodyAsync(context) as JsonObject;
        }

        var policy = body?["propagationPolicy"]?.GetValue<string>() ?? NullIfEmpty(query["propagationPolicy"]);
        var orphan = ApiObjectsBool(body?["orphanDependents"]) ?? (query.ContainsKey("orphanDependents") ? IsTrue(query["orphanDependents"]) : null);
        if (policy is null && orphan == true)
        {
            policy = "Orphan";
        }

        var grace = ApiObjects.Long(body?["gracePeriodSeconds"]) ?? (long.TryParse(query["gracePeriodSeconds"], out var g) ? g : null);
        return new DeleteRequest(policy ?? "Background", grace,
            body?["preconditions"]?["uid"]?.GetValue<string>(), body?["preconditions"]?["resourceVersion"]?.GetValue<string>());
    }

    private static bool? ApiObjectsBool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static WriteOptions Options(HttpContext context)
    {
        var query = context.Request.Query;
        var manager = NullIfEmpty(query["fieldManager"]) ?? ManagerFromUserAgent(context.Request.Headers.UserAgent.ToString());
        var validation = NullIfEmpty(query["fieldValidation"]) ?? "Warn";
        if (validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw KubeApiException.BadRequest($"fieldValidation must be one of Ignore, Warn, or Strict, got {validation}");
        }

        return new WriteOptions(manager, validation, query["dryRun"].ToString() == "All");
    }

    /// <summary>The apiserver's default field manager: the User-Agent up to the first '/'.</summary>
    private static string ManagerFromUserAgent(string userAgent) =>
        userAgent.Length == 0 ? "unknown" : userAgent.Split('/')[0];

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";
}
