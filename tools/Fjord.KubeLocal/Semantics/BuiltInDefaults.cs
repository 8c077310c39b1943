using System.Text;
using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// The defaults a 1.32 apiserver fills in for built-in kinds (pkg/apis/*/v1/defaults.go). Controllers compare
/// what they wrote with what they read back, so a missing default is an endless reconcile diff. Idempotent; pure.
/// </summary>
public static class BuiltInDefaults
{
    public static void Apply(string storageKey, JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject;
        switch (storageKey)
        {
            case "pods" when spec is not null:
                PodSpec(spec);
                break;
            case "apps/statefulsets" when spec is not null:
                Default(spec, "replicas", 1);
                Default(spec, "podManagementPolicy", "OrderedReady");
                Default(spec, "revisionHistoryLimit", 10);
                Default(spec, "updateStrategy", new JsonObject { ["type"] = "RollingUpdate" });
                if (spec["updateStrategy"]?["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    Default((JsonObject)spec["updateStrategy"]!, "rollingUpdate", new JsonObject());
                    Default((JsonObject)spec["updateStrategy"]!["rollingUpdate"]!, "partition", 0);
                }

                Default(spec, "persistentVolumeClaimRetentionPolicy", new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" });
                foreach (var claim in (spec["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Default(claim, "apiVersion", "v1");
                    Default(claim, "kind", "PersistentVolumeClaim");
                    Default(claim, "spec", new JsonObject());
                    Default((JsonObject)claim["spec"]!, "volumeMode", "Filesystem");
                    Default(claim, "status", new JsonObject { ["phase"] = "Pending" });
                }

                Template(spec);
                break;
            case "apps/deployments" when spec is not null:
                Default(spec, "replicas", 1);
                Default(spec, "revisionHistoryLimit", 10);
                Default(spec, "progressDeadlineSeconds", 600);
                Default(spec, "strategy", new JsonObject { ["type"] = "RollingUpdate" });
                if (spec["strategy"]?["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    Default((JsonObject)spec["strategy"]!, "rollingUpdate", new JsonObject());
                    Default((JsonObject)spec["strategy"]!["rollingUpdate"]!, "maxUnavailable", "25%");
                    Default((JsonObject)spec["strategy"]!["rollingUpdate"]!, "maxSurge", "25%");
                }

                Template(spec);
                break;
            case "apps/replicasets" when spec is not null:
                Default(spec, "replicas", 1);
                Template(spec);
                break;
            case "services":
                spec ??= (JsonObject)(obj["spec"] = new JsonObject());
                Default(spec, "type", "ClusterIP");
                Default(spec, "sessionAffinity", "None");
                Default(spec, "internalTrafficPolicy", "Cluster");
                foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Default(port, "protocol", "TCP");
                    if (port["port"] is not null)
                    {
                        Default(port, "targetPort", port["port"]!.DeepClone());
                    }
                }

                break;
            case "secrets":
                Default(obj, "type", "Opaque");
                if (obj["stringData"] is JsonObject stringData)
                {
                    var data = obj["data"] as JsonObject ?? [];
                    foreach (var (key, value) in stringData)
                    {
                        data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
                    }

                    obj["data"] = data;
                    obj.Remove("stringData");
                }

                break;
            case "persistentvolumeclaims" when spec is not null:
                Default(spec, "volumeMode", "Filesystem");
                break;
            case "namespaces":
                var labels = Meta(obj)["labels"] as JsonObject ?? [];
                labels["kubernetes.io/metadata.name"] = obj["metadata"]?["name"]?.DeepClone();
                Meta(obj)["labels"] = labels;
                spec ??= (JsonObject)(obj["spec"] = new JsonObject());
                Default(spec, "finalizers", new JsonArray("kubernetes"));
                break;
        }
    }

    private static JsonObject Meta(JsonObject obj) => (JsonObject)obj["metadata"]!;

    private static void Template(JsonObject spec)
    {
        if (spec["template"]?["spec"] is JsonObject podSpec)
        {
            PodSpec(podSpec);
        }
    }

    private static void PodSpec(JsonObject spec)
    {
        Default(spec, "restartPolicy", "Always");
        Default(spec, "terminationGracePeriodSeconds", 30);
        Default(spec, "dnsPolicy", "ClusterFirst");
        Default(spec, "schedulerName", "default-scheduler");
        Default(spec, "securityContext", new JsonObject());
        Default(spec, "enableServiceLinks", true);
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var container in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                var image = container["image"]?.GetValue<string>() ?? "";
                var tag = image.Contains('@') ? "digest" : image.LastIndexOf(':') > image.LastIndexOf('/') ? image[(image.LastIndexOf(':') + 1)..] : "latest";
                Default(container, "imagePullPolicy", tag == "latest" ? "Always" : "IfNotPresent");
                Default(container, "terminationMessagePath", "/dev/termination-log");
                Default(container, "terminationMessagePolicy", "File");
                Default(container, "resources", new JsonObject());
                foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Default(port, "protocol", "TCP");
                }
            }
        }
    }

    private static void Default(JsonObject obj, string key, JsonNode? value)
    {
        if (obj[key] is null)
        {
            obj[key] = value;
        }
    }
}
