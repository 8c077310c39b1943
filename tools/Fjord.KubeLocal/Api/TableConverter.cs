using System.Text.Json.Nodes;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Semantics;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// Server-side printing (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>): the columns <c>kubectl get</c>
/// shows for each built-in kind (pkg/printers/internalversion), a CRD's additionalPrinterColumns, or Name and Age.
/// Rows carry PartialObjectMetadata (or the object with includeObject=Object). Pure.
/// </summary>
public static class TableConverter
{
    private sealed record Column(string Name, string Type, Func<JsonObject, JsonNode?> Cell, int Priority = 0, string Format = "");

    public static JsonObject Convert(ResourceType type, IEnumerable<JsonObject> objects, string resourceVersion, string includeObject, DateTimeOffset now)
    {
        var columns = ColumnsFor(type, now);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray([.. columns.Select(c => c.Cell(obj) ?? (JsonNode)"<none>")]);
            var row = new JsonObject { ["cells"] = cells };
            if (includeObject == "Object")
            {
                row["object"] = obj.DeepClone();
            }
            else if (includeObject != "None")
            {
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                };
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Name,
                ["priority"] = c.Priority,
            })]),
            ["rows"] = rows,
        };
    }

    private static List<Column> ColumnsFor(ResourceType type, DateTimeOffset now)
    {
        var name = new Column("Name", "string", o => ApiObjects.NameOf(o), Format: "name");
        var age = new Column("Age", "string", o => Age(o, now));
        static JsonNode? Path(JsonObject o, params string[] path)
        {
            JsonNode? node = o;
            foreach (var p in path)
            {
                node = node?[p];
            }

            return node?.DeepClone();
        }

        static long Number(JsonObject o, params string[] path) => ApiObjects.Long(Path(o, path)) ?? 0;
        if (type.IsCustom)
        {
            var printer = (type.Definition!["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(v => v["name"]?.GetValue<string>() == type.Version)?["additionalPrinterColumns"] as JsonArray;
            if (printer is null)
            {
                return [name, age];
            }

            var columns = new List<Column> { name };
            foreach (var column in printer.OfType<JsonObject>())
            {
                var jsonPath = column["jsonPath"]?.GetValue<string>() ?? "";
                var columnType = column["type"]?.GetValue<string>() ?? "string";
                columns.Add(new Column(column["name"]?.GetValue<string>() ?? "", columnType == "date" ? "string" : columnType, o =>
                {
                    var value = Path(o, [.. jsonPath.TrimStart('.').Split('.')]);
                    return columnType == "date" && value is not null ? Human(now - (Clock.Parse(value.ToString()) ?? now)) : value;
                }, (int)(ApiObjects.Long(column["priority"]) ?? 0)));
            }

            if (!printer.OfType<JsonObject>().Any(c => c["jsonPath"]?.GetValue<string>() == ".metadata.creationTimestamp"))
            {
                columns.Add(age);
            }

            return columns;
        }

        return type.StorageKey switch
        {
            "pods" =>
            [
                name,
                new("Ready", "string", o =>
                {
                    var statuses = (o["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
                    return $"{statuses.Count(s => s["ready"]?.GetValue<bool>() == true)}/{total}";
                }),
                new("Status", "string", PodStatusReason),
                new("Restarts", "string", o => (o["status"]?["containerStatuses"] as JsonArray ?? []).Sum(s => ApiObjects.Long(s?["restartCount"]) ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                age,
                new("IP", "string", o => Path(o, "status", "podIP"), 1),
                new("Node", "string", o => Path(o, "spec", "nodeName"), 1),
            ],
            "apps/statefulsets" => [name, new("Ready", "string", o => $"{Number(o, "status", "readyReplicas")}/{Number(o, "spec", "replicas")}"), age],
            "apps/deployments" =>
            [
                name,
                new("Ready", "string", o => $"{Number(o, "status", "readyReplicas")}/{Number(o, "spec", "replicas")}"),
                new("Up-to-date", "integer", o => Number(o, "status", "updatedReplicas")),
                new("Available", "integer", o => Number(o, "status", "availableReplicas")),
                age,
            ],
            "apps/replicasets" =>
            [
                name,
                new("Desired", "integer", o => Number(o, "spec", "replicas")),
                new("Current", "integer", o => Number(o, "status", "replicas")),
                new("Ready", "integer", o => Number(o, "status", "readyReplicas")),
                age,
            ],
            "services" =>
            [
                name,
                new("Type", "string", o => Path(o, "spec", "type")),
                new("Cluster-IP", "string", o => Path(o, "spec", "clusterIP")),
                new("External-IP", "string", _ => "<none>"),
                new("Port(s)", "string", o => string.Join(",", (o["spec"]?["ports"] as JsonArray ?? []).Select(p => $"{p?["port"]}/{p?["protocol"]}"))),
                age,
            ],
            "namespaces" => [name, new("Status", "string", o => Path(o, "status", "phase")), age],
            "configmaps" => [name, new("Data", "integer", o => (o["data"] as JsonObject)?.Count ?? 0 + ((o["binaryData"] as JsonObject)?.Count ?? 0)), age],
            "secrets" => [name, new("Type", "string", o => Path(o, "type")), new("Data", "integer", o => (o["data"] as JsonObject)?.Count ?? 0), age],
            "persistentvolumeclaims" =>
            [
                name,
                new("Status", "string", o => Path(o, "status", "phase")),
                new("Volume", "string", o => Path(o, "spec", "volumeName") ?? ""),
                new("Capacity", "string", o => Path(o, "status", "capacity", "storage") ?? ""),
                new("Access Modes", "string", o => string.Join(",", (o["spec"]?["accessModes"] as JsonArray ?? []).Select(m => m?.ToString() switch { "ReadWriteOnce" => "RWO", "ReadOnlyMany" => "ROX", "ReadWriteMany" => "RWX", var x => x }))),
                new("StorageClass", "string", o => Path(o, "spec", "storageClassName") ?? ""),
                age,
            ],
            "events" =>
            [
                new("Last Seen", "string", o => Human(now - (Clock.Parse((o["lastTimestamp"] ?? o["eventTime"] ?? o["metadata"]?["creationTimestamp"])?.ToString()) ?? now))),
                new("Type", "string", o => Path(o, "type")),
                new("Reason", "string", o => Path(o, "reason")),
                new("Object", "string", o => $"{o["involvedObject"]?["kind"]?.ToString().ToLowerInvariant()}/{o["involvedObject"]?["name"]}"),
                new("Message", "string", o => Path(o, "message")),
                name with { Priority = 1 },
            ],
            "apps/controllerrevisions" => [name, new("Controller", "string", o => $"{o["metadata"]?["ownerReferences"]?[0]?["kind"]?.ToString().ToLowerInvariant()}/{o["metadata"]?["ownerReferences"]?[0]?["name"]}"), new("Revision", "integer", o => Number(o, "revision")), age],
            "policy/poddisruptionbudgets" =>
            [
                name,
                new("Min Available", "string", o => Path(o, "spec", "minAvailable") ?? "N/A"),
                new("Max Unavailable", "string", o => Path(o, "spec", "maxUnavailable") ?? "N/A"),
                new("Allowed Disruptions", "integer", o => Number(o, "status", "disruptionsAllowed")),
                age,
            ],
            "coordination.k8s.io/leases" => [name, new("Holder", "string", o => Path(o, "spec", "holderIdentity") ?? ""), age],
            ResourceCatalog.CrdStorageKey => [name, new("Created At", "date", o => Path(o, "metadata", "creationTimestamp"))],
            "rbac.authorization.k8s.io/roles" or "rbac.authorization.k8s.io/clusterroles" => [name, new("Created At", "date", o => Path(o, "metadata", "creationTimestamp"))],
            "rbac.authorization.k8s.io/rolebindings" or "rbac.authorization.k8s.io/clusterrolebindings" =>
            [
                name,
                new("Role", "string", o => $"{o["roleRef"]?["kind"]}/{o["roleRef"]?["name"]}"),
                age,
                new("Users", "string", o => Subjects(o, "User"), 1),
                new("Groups", "string", o => Subjects(o, "Group"), 1),
                new("ServiceAccounts", "string", o => Subjects(o, "ServiceAccount"), 1),
            ],
            "nodes" => [name, new("Status", "string", o => (o["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.ToString() == "Ready" && c["status"]?.ToString() == "True") ? "Ready" : "NotReady"), new("Roles", "string", _ => "<none>"), age, new("Version", "string", o => Path(o, "status", "nodeInfo", "kubeletVersion") ?? "")],
            "serviceaccounts" => [name, new("Secrets", "integer", o => (o["secrets"] as JsonArray)?.Count ?? 0), age],
            _ => [name, age],
        };
    }

    /// <summary>The STATUS column of <c>kubectl get pods</c>: a container's waiting or terminated reason wins over the phase.</summary>
    private static JsonNode? PodStatusReason(JsonObject pod)
    {
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        var reason = pod["status"]?["reason"]?.ToString() ?? pod["status"]?["phase"]?.ToString() ?? "Unknown";
        foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().Reverse())
        {
            if (status["state"]?["waiting"]?["reason"]?.ToString() is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (status["state"]?["terminated"] is JsonObject terminated)
            {
                reason = terminated["reason"]?.ToString() ?? $"ExitCode:{terminated["exitCode"]}";
            }
        }

        return reason;
    }

    private static string Subjects(JsonObject binding, string kind) =>
        string.Join(", ", (binding["subjects"] as JsonArray ?? []).Where(s => s?["kind"]?.ToString() == kind)
            .Select(s => kind == "ServiceAccount" ? $"{s?["namespace"]}/{s?["name"]}" : s?["name"]?.ToString()));

    private static JsonNode? Age(JsonObject obj, DateTimeOffset now) =>
        Clock.Parse(obj["metadata"]?["creationTimestamp"]?.GetValue<string>()) is { } created ? Human(now - created) : "<unknown>";

    /// <summary>apimachinery's duration.HumanDuration.</summary>
    internal static string Human(TimeSpan d)
    {
        var seconds = (long)Math.Max(0, d.TotalSeconds);
        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        return hours < 48 ? $"{hours}h" : $"{hours / 24}d";
    }

}
