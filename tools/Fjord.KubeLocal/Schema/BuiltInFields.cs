using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Schema;

/// <summary>
/// Unknown-field checking for built-in kinds at the top level and in metadata — the depth kube-local knows
/// without the full OpenAPI schemas. A real apiserver checks every level (typed decoding); deeper unknown fields
/// are stored here where a cluster would drop them. Strict → 400, Warn → warning, Ignore → dropped. Pure.
/// </summary>
public static class BuiltInFields
{
    private static readonly string[] Metadata =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static readonly string[] SpecAndStatus = ["spec", "status"];

    private static readonly Dictionary<string, string[]> TopLevel = new()
    {
        ["configmaps"] = ["data", "binaryData", "immutable"],
        ["secrets"] = ["data", "stringData", "type", "immutable"],
        ["serviceaccounts"] = ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
        ["events"] =
        [
            "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime",
            "series", "action", "related", "reportingComponent", "reportingInstance",
        ],
        ["endpoints"] = ["subsets"],
        ["coordination.k8s.io/leases"] = ["spec"],
        ["rbac.authorization.k8s.io/roles"] = ["rules"],
        ["rbac.authorization.k8s.io/clusterroles"] = ["rules", "aggregationRule"],
        ["rbac.authorization.k8s.io/rolebindings"] = ["subjects", "roleRef"],
        ["rbac.authorization.k8s.io/clusterrolebindings"] = ["subjects", "roleRef"],
        ["apps/controllerrevisions"] = ["data", "revision"],
    };

    public static void Check(string storageKey, JsonObject obj, string fieldValidation, List<string> warnings)
    {
        var allowed = TopLevel.TryGetValue(storageKey, out var fields) ? fields : SpecAndStatus;
        var unknown = new List<string>();
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is not ("apiVersion" or "kind" or "metadata") && !allowed.Contains(key))
            {
                unknown.Add(key);
                obj.Remove(key);
            }
        }

        if (obj["metadata"] is JsonObject meta)
        {
            foreach (var key in meta.Select(p => p.Key).ToList())
            {
                if (!Metadata.Contains(key))
                {
                    unknown.Add("metadata." + key);
                    meta.Remove(key);
                }
            }
        }

        if (unknown.Count == 0)
        {
            return;
        }

        var messages = unknown.Select(u => $"unknown field \"{u}\"").ToList();
        switch (fieldValidation)
        {
            case "Strict":
                throw KubeApiException.BadRequest($"{obj["kind"]} in version \"{obj["apiVersion"]?.ToString().Split('/').Last()}\" cannot be handled as a {obj["kind"]}: strict decoding error: {string.Join(", ", messages)}");
            case "Warn":
                warnings.AddRange(messages);
                break;
        }
    }
}
