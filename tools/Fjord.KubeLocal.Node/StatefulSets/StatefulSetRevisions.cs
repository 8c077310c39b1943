using System.Text.Json;
using System.Text.Json.Nodes;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>
/// The ControllerRevision objects a StatefulSet keeps (<c>kubectl rollout history</c> lists them): one per template,
/// named after its <c>controller-revision-hash</c>, owned by the set, with <c>data</c> the strategic patch
/// <c>{"spec":{"template":{…,"$patch":"replace"}}}</c> and <c>revision</c> counting up. Pure; any thread.
/// </summary>
internal static class StatefulSetRevisions
{
    public static V1ControllerRevision New(V1StatefulSet set, IEnumerable<V1ControllerRevision> existing)
    {
        var template = JsonNode.Parse(KubernetesJson.Serialize(set.Spec.Template))!.AsObject();
        template["$patch"] = "replace";
        var name = StatefulSetPlanner.UpdateRevision(set);
        var labels = new Dictionary<string, string>(set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
        {
            [StatefulSetPlanner.RevisionLabel] = name,
        };
        return new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [Owner.ControllerReference("apps/v1", "StatefulSet", set.Metadata)],
            },
            Data = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
            Revision = existing.Select(r => r.Revision).DefaultIfEmpty(0).Max() + 1,
        };
    }

    /// <summary>The pod template a revision recorded, or null when its data is not a template patch.</summary>
    public static V1PodTemplateSpec? TemplateOf(V1ControllerRevision revision)
    {
        var json = revision.Data switch
        {
            JsonElement element => element.GetRawText(),
            null => null,
            var other => KubernetesJson.Serialize(other),
        };
        if (json is null)
        {
            return null;
        }
        var template = JsonNode.Parse(json)?["spec"]?["template"]?.AsObject();
        if (template is null)
        {
            return null;
        }
        template.Remove("$patch");
        return KubernetesJson.Deserialize<V1PodTemplateSpec>(template.ToJsonString());
    }
}
