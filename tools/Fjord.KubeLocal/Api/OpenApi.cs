using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// A minimal <c>/openapi/v3</c>: every served group-version with one path per resource whose <c>patch</c> operation
/// names its GVK and accepts <c>fieldValidation</c> but has no requestBody. kubectl and Helm then leave validation to
/// the server (cli-runtime query_param_verifier_v3.go) instead of failing with "failed to download openapi".
/// Schemas are not published, so <c>kubectl explain</c> does not work. Pure over a catalog.
/// </summary>
public static class OpenApi
{
    public static JsonObject Index(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var (group, version) in GroupVersions(catalog))
        {
            var key = GroupVersionPath(group, version);
            var hash = Hash(Document(catalog, group, version));
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? Document(ResourceCatalog catalog, string path)
    {
        foreach (var (group, version) in GroupVersions(catalog))
        {
            if (GroupVersionPath(group, version) == path)
            {
                return Document(catalog, group, version);
            }
        }

        return null;
    }

    private static JsonObject Document(ResourceCatalog catalog, string group, string version)
    {
        var paths = new JsonObject();
        foreach (var type in catalog.All().Where(r => r.Group == group && r.Version == version))
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var url = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            var gvk = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind };
            paths[url] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["parameters"] = new JsonArray(
                        new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } },
                        new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } }),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = gvk,
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Discovery.ServerVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static IEnumerable<(string Group, string Version)> GroupVersions(ResourceCatalog catalog) =>
        catalog.All().Select(r => (r.Group, r.Version)).Distinct();

    private static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static string Hash(JsonObject document) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
}
