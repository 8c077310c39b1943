using System.Text.Json.Nodes;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// Legacy discovery documents (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/g/v</c>), served as plain JSON so
/// kubectl and Helm do not use aggregated discovery. Entries carry shortNames and categories (kubectl's
/// <c>get sts</c> needs them) and <c>x/status</c>, <c>x/scale</c> subresources. Pure over a catalog.
/// </summary>
public static class Discovery
{
    public const string ServerVersion = "v1.32.4";

    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = ServerVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-22T16:00:00Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions() => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = "127.0.0.1" }),
    };

    public static JsonObject Groups(ResourceCatalog catalog)
    {
        var groups = new JsonArray();
        foreach (var (group, versions) in catalog.Groups())
        {
            groups.Add(Group(group, versions));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject Group(string group, List<string> versions)
    {
        JsonObject Entry(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Entry(v))]),
            ["preferredVersion"] = Entry(versions[0]),
        };
    }

    public static JsonObject Resources(ResourceCatalog catalog, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in catalog.All().Where(r => r.Group == group && r.Version == version))
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(AllVerbs),
            };
            if (type.ShortNames.Length > 0)
            {
                entry["shortNames"] = Strings(type.ShortNames);
            }

            if (type.Categories.Length > 0)
            {
                entry["categories"] = Strings(type.Categories);
            }

            entry["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(type.StorageKey)))[..11];
            resources.Add(entry);
            foreach (var sub in type.Subresources)
            {
                resources.Add(Subresource(type, sub));
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Subresource(ResourceType type, string sub)
    {
        var entry = new JsonObject { ["name"] = $"{type.Plural}/{sub}", ["singularName"] = "", ["namespaced"] = type.Namespaced };
        switch (sub)
        {
            case "scale":
                entry["group"] = "autoscaling";
                entry["version"] = "v1";
                entry["kind"] = "Scale";
                entry["verbs"] = Strings(["get", "patch", "update"]);
                break;
            case "log":
                entry["kind"] = "Pod";
                entry["verbs"] = Strings(["get"]);
                break;
            case "binding":
                entry["kind"] = "Binding";
                entry["verbs"] = Strings(["create"]);
                break;
            case "eviction":
                entry["group"] = "policy";
                entry["version"] = "v1";
                entry["kind"] = "Eviction";
                entry["verbs"] = Strings(["create"]);
                break;
            case "finalize":
                entry["kind"] = type.Kind;
                entry["verbs"] = Strings(["update"]);
                break;
            default:
                entry["kind"] = type.Kind;
                entry["verbs"] = Strings(["get", "patch", "update"]);
                break;
        }

        return entry;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
