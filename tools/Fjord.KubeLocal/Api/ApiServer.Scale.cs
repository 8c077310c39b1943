using System.Text.Json.Nodes;
using Fjord.KubeLocal.Patching;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Selectors;
using Microsoft.AspNetCore.Http;

namespace Fjord.KubeLocal.Api;

public sealed partial class ApiServer
{
    /// <summary>
    /// <c>/scale</c>: an <c>autoscaling/v1 Scale</c> view of spec.replicas, status.replicas and the selector (a string),
    /// at the CRD's specReplicasPath/statusReplicasPath/labelSelectorPath for custom resources. Writes change only
    /// spec.replicas.
    /// </summary>
    private async Task ScaleAsync(HttpContext context, string method, ResourceType type, string? ns, string name)
    {
        JsonObject result;
        if (method == "GET")
        {
            result = ToScale(type, Get(type, ns, name));
        }
        else if (method is "PUT" or "PATCH")
        {
            var mediaType = MediaType(context.Request.ContentType);
            var body = await ReadBodyAsync(context) ?? throw KubeApiException.BadRequest("the body of the request was empty");
            var options = Options(context);
            lock (writer.Store.Gate)
            {
                var current = Get(type, ns, name);
                var scale = ToScale(type, current);
                JsonNode? wanted = method == "PUT" ? body : mediaType switch
                {
                    "application/json-patch+json" => JsonPatch.Apply(scale, body as JsonArray ?? throw KubeApiException.BadRequest("a JSON patch must be a list")),
                    "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(scale, body as JsonObject ?? throw KubeApiException.BadRequest("patch must be an object")),
                    _ => MergePatch.Apply(scale, body),
                };
                var rv = wanted?["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (rv is { Length: > 0 } && rv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                {
                    throw KubeApiException.Conflict(type.Group, type.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
                }

                var replicas = ApiObjects.Long(wanted?["spec"]?["replicas"])
                    ?? throw KubeApiException.Invalid("Scale", "autoscaling", name, [("spec.replicas", "Required value")]);
                if (replicas < 0)
                {
                    throw KubeApiException.Invalid("Scale", "autoscaling", name, [("spec.replicas", $"Invalid value: {replicas}: must be greater than or equal to 0")]);
                }

                var updated = current.DeepClone().AsObject();
                SetPath(updated, SpecReplicasPath(type), JsonValue.Create(replicas));
                result = ToScale(type, writer.CommitUpdate(type, current, updated, options));
            }
        }
        else
        {
            throw KubeApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        await WriteJsonAsync(context, 200, result);
    }

    private static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var meta = (JsonObject)obj["metadata"]!;
        string? selector;
        var replicasPath = SpecReplicasPath(type);
        long? statusReplicas;
        if (type.IsCustom)
        {
            var scale = ScaleDefinition(type)!;
            selector = scale["labelSelectorPath"] is { } labelPath ? GetPath(obj, labelPath.GetValue<string>())?.ToString() : null;
            statusReplicas = ApiObjects.Long(GetPath(obj, scale["statusReplicasPath"]?.GetValue<string>() ?? ".status.replicas"));
        }
        else
        {
            var labelSelector = LabelSelector.FromObject(obj["spec"]?["selector"]);
            selector = string.Join(",", labelSelector.Requirements.Select(r => r.Operator switch
            {
                LabelOperator.Equals => $"{r.Key}={r.Values[0]}",
                LabelOperator.In => $"{r.Key} in ({string.Join(",", r.Values)})",
                LabelOperator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
                LabelOperator.Exists => r.Key,
                LabelOperator.DoesNotExist => "!" + r.Key,
                _ => $"{r.Key}!={r.Values[0]}",
            }));
            statusReplicas = ApiObjects.Long(obj["status"]?["replicas"]);
        }

        var status = new JsonObject { ["replicas"] = statusReplicas ?? 0 };
        if (!string.IsNullOrEmpty(selector))
        {
            status["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta["name"]?.DeepClone(),
                ["namespace"] = meta["namespace"]?.DeepClone(),
                ["uid"] = meta["uid"]?.DeepClone(),
                ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = ApiObjects.Long(GetPath(obj, replicasPath)) ?? 0 },
            ["status"] = status,
        };
    }

    private static JsonObject? ScaleDefinition(ResourceType type) =>
        (type.Definition?["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(v => v["name"]?.GetValue<string>() == type.Version)?["subresources"]?["scale"] as JsonObject;

    private static string SpecReplicasPath(ResourceType type) =>
        type.IsCustom ? ScaleDefinition(type)?["specReplicasPath"]?.GetValue<string>() ?? ".spec.replicas" : ".spec.replicas";

    private static JsonNode? GetPath(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.TrimStart('.').Split('.'))
        {
            node = node?[part];
        }

        return node;
    }

    private static void SetPath(JsonObject obj, string path, JsonNode value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject next)
            {
                next = [];
                node[part] = next;
            }

            node = next;
        }

        node[parts[^1]] = value;
    }
}
