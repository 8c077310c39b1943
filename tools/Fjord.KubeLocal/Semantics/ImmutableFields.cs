using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// Update rules of built-in kinds that operators trip over (pkg/apis/*/validation): StatefulSet spec fields
/// other than replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds and
/// ordinals are forbidden to change; Deployment and ReplicaSet selectors are immutable; an immutable ConfigMap or
/// Secret keeps its data. Violations are 422 Invalid. Pure.
/// </summary>
public static class ImmutableFields
{
    private static readonly string[] MutableStatefulSetSpec = ["replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "ordinals"];

    public static void Check(ResourceType type, JsonObject current, JsonObject updated)
    {
        var name = ApiObjects.NameOf(current);
        switch (type.StorageKey)
        {
            case "apps/statefulsets":
            {
                var before = StripMutable(current["spec"]);
                var after = StripMutable(updated["spec"]);
                if (!JsonNode.DeepEquals(before, after))
                {
                    throw KubeApiException.Invalid(type.Kind, type.Group, name, [("spec",
                        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]);
                }

                break;
            }

            case "pods":
                if (!JsonNode.DeepEquals(StripPodMutable(current["spec"]), StripPodMutable(updated["spec"])))
                {
                    throw KubeApiException.Invalid(type.Kind, type.Group, name, [("spec",
                        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")]);
                }

                break;
            case "apps/deployments" or "apps/replicasets":
                if (!JsonNode.DeepEquals(current["spec"]?["selector"], updated["spec"]?["selector"]))
                {
                    throw KubeApiException.Invalid(type.Kind, type.Group, name, [("spec.selector", $"Invalid value: {updated["spec"]?["selector"]?.ToJsonString() ?? "null"}: field is immutable")]);
                }

                break;
            case "configmaps" or "secrets" when current["immutable"]?.GetValue<bool>() == true:
                foreach (var field in new[] { "data", "binaryData", "immutable" })
                {
                    if (!JsonNode.DeepEquals(current[field], updated[field]))
                    {
                        throw KubeApiException.Invalid(type.Kind, type.Group, name, [(field, "Forbidden: field is immutable when `immutable` is set")]);
                    }
                }

                break;
        }
    }

    private static JsonNode? StripPodMutable(JsonNode? spec)
    {
        if (spec is not JsonObject obj)
        {
            return spec;
        }

        var copy = obj.DeepClone().AsObject();
        foreach (var field in new[] { "activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates" })
        {
            copy.Remove(field);
        }

        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var container in (copy[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                container.Remove("image");
            }
        }

        return copy;
    }

    private static JsonNode? StripMutable(JsonNode? spec)
    {
        if (spec is not JsonObject obj)
        {
            return spec;
        }

        var copy = obj.DeepClone().AsObject();
        foreach (var field in MutableStatefulSetSpec)
        {
            copy.Remove(field);
        }

        // Defaults filled in on read (volumeClaimTemplates' status and kind) are not a change.
        if (copy["volumeClaimTemplates"] is JsonArray claims)
        {
            foreach (var claim in claims.OfType<JsonObject>())
            {
                claim.Remove("status");
                claim.Remove("apiVersion");
                claim.Remove("kind");
            }
        }

        return copy;
    }
}
