using System.Text.Json.Nodes;
using Fjord.KubeLocal.Store;

namespace Fjord.KubeLocal.Resources;

/// <summary>
/// Every resource served right now: the built-ins plus one entry per served version of each stored CRD, so a CRD
/// is in discovery and routable from the moment its create commits. Thread-safe (reads the store).
/// </summary>
public sealed class ResourceCatalog(ObjectStore store)
{
    public const string CrdStorageKey = "apiextensions.k8s.io/customresourcedefinitions";

    public IEnumerable<ResourceType> All() => BuiltInResources.All.Concat(Custom());

    public IEnumerable<ResourceType> Custom()
    {
        foreach (var crd in store.List(CrdStorageKey, null))
        {
            foreach (var type in FromDefinition(crd))
            {
                yield return type;
            }
        }
    }

    public ResourceType? Find(string group, string version, string plural) =>
        All().FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>A type to read and write objects of one storage key with (the first served version).</summary>
    public ResourceType? ForStorageKey(string storageKey) => All().FirstOrDefault(r => r.StorageKey == storageKey);

    public ResourceType? ForApiVersionKind(string apiVersion, string kind) =>
        All().FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind)
        ?? All().FirstOrDefault(r => r.Kind == kind && r.Group == (apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : ""));

    /// <summary>Group → served versions, the preferred (first listed storage, else first) first.</summary>
    public List<(string Group, List<string> Versions)> Groups() =>
        [.. All().Where(r => r.Group.Length > 0).GroupBy(r => r.Group)
            .Select(g => (g.Key, g.Select(r => r.Version).Distinct().OrderBy(v => VersionRank(v)).ToList()))];

    public static IEnumerable<ResourceType> FromDefinition(JsonObject crd)
    {

        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        if (spec is null || names is null)
        {
            yield break;
        }

        var group = spec["group"]?.GetValue<string>() ?? "";
        var plural = names["plural"]?.GetValue<string>() ?? "";
        var singular = names["singular"]?.GetValue<string>() ?? plural;
        var kind = names["kind"]?.GetValue<string>() ?? "";
        var namespaced = spec["scope"]?.GetValue<string>() != "Cluster";
        var shortNames = (names["shortNames"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray() ?? [];
        var categories = (names["categories"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray() ?? [];
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            var subresources = new List<string>();
            if (version["subresources"]?["status"] is not null)
            {
                subresources.Add("status");
            }

            if (version["subresources"]?["scale"] is not null)
            {
                subresources.Add("scale");
            }

            yield return new ResourceType(group, version["name"]!.GetValue<string>(), plural, singular, kind, namespaced, shortNames, categories,
                [.. subresources], true, group + "/" + plural)
            {
                Definition = crd,
                Schema = version["schema"]?["openAPIV3Schema"],
            };
        }
    }

    /// <summary>Kubernetes version priority: GA before beta before alpha, higher numbers first.</summary>
    internal static (int, int, int) VersionRank(string version)
    {
        var match = System.Text.RegularExpressions.Regex.Match(version, @"^v(\d+)(?:(alpha|beta)(\d+))?$");
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stability = match.Groups[2].Value switch { "" => 0, "beta" => 1, _ => 2 };
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (stability, -major, -minor);
    }
}
