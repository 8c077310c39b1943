using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Selectors;

namespace Fjord.KubeLocal.Schema;

/// <summary>
/// The value checks of pkg/apis/*/validation that controllers and charts most often trip: pod specs need named
/// containers with images and valid ports; workload selectors must be present and match their template's labels;
/// Service ports need a valid port. A subset — everything else is accepted. Pure; returns field errors for a 422.
/// </summary>
public static partial class BuiltInValidation
{
    public static List<(string Field, string Message)> Check(string storageKey, JsonObject obj)
    {
        var errors = new List<(string, string)>();
        var spec = obj["spec"] as JsonObject;
        switch (storageKey)
        {
            case "pods":
                PodSpec(spec, "spec", errors);
                break;
            case "apps/statefulsets" or "apps/deployments" or "apps/replicasets":
                if (spec?["selector"] is not JsonObject selector)
                {
                    errors.Add(("spec.selector", "Required value"));
                }
                else
                {
                    var labels = LabelSelector.LabelsOf(spec["template"] as JsonObject ?? []);
                    var parsed = LabelSelector.FromObject(selector);
                    if (!parsed.IsEmpty && !parsed.Matches(labels))
                    {
                        errors.Add(("spec.template.metadata.labels", $"Invalid value: {spec["template"]?["metadata"]?["labels"]?.ToJsonString() ?? "null"}: `selector` does not match template `labels`"));
                    }
                    else if (parsed.IsEmpty)
                    {
                        errors.Add(("spec.selector", "Invalid value: \"{}\": empty selector is invalid for deployment"));
                    }
                }

                PodSpec(spec?["template"]?["spec"] as JsonObject, "spec.template.spec", errors);
                if (ApiObjects.Long(spec?["replicas"]) is < 0)
                {
                    errors.Add(("spec.replicas", $"Invalid value: {spec!["replicas"]}: must be greater than or equal to 0"));
                }

                break;
            case "services":
                var ports = spec?["ports"] as JsonArray ?? [];
                var type = spec?["type"]?.GetValue<string>();
                if (ports.Count == 0 && type is not "ExternalName" && spec?["clusterIP"]?.GetValue<string>() != "None")
                {
                    errors.Add(("spec.ports", "Required value"));
                }

                for (var i = 0; i < ports.Count; i++)
                {
                    if (ApiObjects.Long(ports[i]?["port"]) is not (>= 1 and <= 65535))
                    {
                        errors.Add(($"spec.ports[{i}].port", $"Invalid value: {ports[i]?["port"]?.ToJsonString() ?? "0"}: must be between 1 and 65535, inclusive"));
                    }

                    if (ports.Count > 1 && ports[i]?["name"] is null)
                    {
                        errors.Add(($"spec.ports[{i}].name", "Required value"));
                    }
                }

                break;
        }

        return errors;
    }

    private static void PodSpec(JsonObject? spec, string path, List<(string, string)> errors)
    {
        var containers = spec?["containers"] as JsonArray;
        if (containers is null || containers.Count == 0)
        {
            errors.Add(($"{path}.containers", "Required value"));
            return;
        }

        var names = new HashSet<string>();
        foreach (var list in new[] { "initContainers", "containers" })
        {
            var items = spec![list] as JsonArray ?? [];
            for (var i = 0; i < items.Count; i++)
            {
                var container = items[i] as JsonObject ?? [];
                var at = $"{path}.{list}[{i}]";
                var name = container["name"]?.GetValue<string>();
                if (string.IsNullOrEmpty(name))
                {
                    errors.Add(($"{at}.name", "Required value"));
                }
                else if (!Label().IsMatch(name) || name.Length > 63)
                {
                    errors.Add(($"{at}.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
                }
                else if (!names.Add(name))
                {
                    errors.Add(($"{at}.name", $"Duplicate value: \"{name}\""));
                }

                if (string.IsNullOrWhiteSpace(container["image"]?.GetValue<string>()))
                {
                    errors.Add(($"{at}.image", "Required value"));
                }

                var ports = container["ports"] as JsonArray ?? [];
                for (var p = 0; p < ports.Count; p++)
                {
                    if (ApiObjects.Long(ports[p]?["containerPort"]) is not (>= 1 and <= 65535))
                    {
                        errors.Add(($"{at}.ports[{p}].containerPort", $"Invalid value: {ports[p]?["containerPort"]?.ToJsonString() ?? "0"}: must be between 1 and 65535, inclusive"));
                    }
                }
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
