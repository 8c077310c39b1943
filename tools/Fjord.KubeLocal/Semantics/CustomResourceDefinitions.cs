using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// The status apiextensions-apiserver's naming and establishing controllers give a CRD: acceptedNames,
/// storedVersions, and NamesAccepted/Established conditions. kube-local sets them on the write itself, so a CRD
/// is established (and in discovery) as soon as it is created. Pure.
/// </summary>
public static class CustomResourceDefinitions
{
    public static void SetStatus(JsonObject crd, DateTimeOffset now)
    {
        var names = crd["spec"]?["names"]?.DeepClone() as JsonObject ?? [];
        names["singular"] ??= names["kind"]?.GetValue<string>().ToLowerInvariant();
        names["listKind"] ??= names["kind"] + "List";
        var status = crd["status"] as JsonObject ?? [];
        var stored = (status["storedVersions"] as JsonArray)?.Select(v => v!.GetValue<string>()).ToList() ?? [];
        foreach (var version in (crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = version["name"]?.GetValue<string>();
            if (version["storage"]?.GetValue<bool>() == true && name is not null && !stored.Contains(name))
            {
                stored.Add(name);
            }
        }

        var terminating = crd["metadata"]?["deletionTimestamp"] is not null;
        var time = Clock.Time(now);
        var conditions = status["conditions"] as JsonArray;
        JsonNode? Transition(string type, string value) =>
            conditions?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == value)?["lastTransitionTime"]?.DeepClone() ?? time;
        var list = new JsonArray
        {
            new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["lastTransitionTime"] = Transition("NamesAccepted", "True"), ["reason"] = "NoConflicts", ["message"] = "no conflicts found" },
            new JsonObject { ["type"] = "Established", ["status"] = "True", ["lastTransitionTime"] = Transition("Established", "True"), ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted" },
        };
        if (terminating)
        {
            list.Add(new JsonObject { ["type"] = "Terminating", ["status"] = "True", ["lastTransitionTime"] = Transition("Terminating", "True"), ["reason"] = "InstanceDeletionInProgress", ["message"] = "CustomResource deletion is in progress" });
        }

        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = list,
            ["storedVersions"] = new JsonArray([.. stored.Select(s => (JsonNode)s)]),
        };
    }
}
