using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fjord.KubeLocal.Api;
using k8s.Models;

namespace Fjord.KubeLocal.Schema;

/// <summary>
/// The field names of built-in kinds at every depth, read from KubernetesClient's generated models (whose
/// <c>[JsonPropertyName]</c>s come from the Kubernetes OpenAPI). An apiserver decodes built-ins into typed structs, so
/// a field the type lacks is dropped, or rejected under <c>fieldValidation=Strict</c> ("strict decoding error:
/// unknown field"), warned about under Warn. Thread-safe (a cache of property maps); otherwise pure.
/// </summary>
public static class BuiltInSchemas
{
    private static readonly Dictionary<string, Type> Models = new()
    {
        ["namespaces"] = typeof(V1Namespace),
        ["pods"] = typeof(V1Pod),
        ["services"] = typeof(V1Service),
        ["configmaps"] = typeof(V1ConfigMap),
        ["secrets"] = typeof(V1Secret),
        ["serviceaccounts"] = typeof(V1ServiceAccount),
        ["persistentvolumeclaims"] = typeof(V1PersistentVolumeClaim),
        ["events"] = typeof(Corev1Event),
        ["nodes"] = typeof(V1Node),
        ["endpoints"] = typeof(V1Endpoints),
        ["apps/statefulsets"] = typeof(V1StatefulSet),
        ["apps/deployments"] = typeof(V1Deployment),
        ["apps/replicasets"] = typeof(V1ReplicaSet),
        ["apps/controllerrevisions"] = typeof(V1ControllerRevision),
        ["policy/poddisruptionbudgets"] = typeof(V1PodDisruptionBudget),
        ["coordination.k8s.io/leases"] = typeof(V1Lease),
        ["rbac.authorization.k8s.io/roles"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/rolebindings"] = typeof(V1RoleBinding),
        ["rbac.authorization.k8s.io/clusterroles"] = typeof(V1ClusterRole),
        ["rbac.authorization.k8s.io/clusterrolebindings"] = typeof(V1ClusterRoleBinding),
        ["apiextensions.k8s.io/customresourcedefinitions"] = typeof(V1CustomResourceDefinition),
    };

    private static readonly ConcurrentDictionary<Type, Dictionary<string, Type>?> Properties = new();

    /// <summary>Drops fields the built-in type does not have; returns nothing, throws 400 under Strict.</summary>
    public static void Check(string storageKey, JsonObject obj, string fieldValidation, List<string> warnings)
    {
        if (!Models.TryGetValue(storageKey, out var model))
        {
            return;
        }

        var unknown = new List<string>();
        Prune(obj, model, "", unknown);
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

    private static void Prune(JsonNode? node, Type type, string path, List<string> unknown)
    {
        var element = ElementType(type);
        if (element.Kind == Shape.List && node is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                Prune(list[i], element.Type, $"{path}[{i}]", unknown);
            }

            return;
        }

        if (element.Kind == Shape.Map && node is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                Prune(value, element.Type, $"{path}.{key}", unknown);
            }

            return;
        }

        if (node is not JsonObject obj || PropertiesOf(type) is not { } properties)
        {
            return;
        }

        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (properties.TryGetValue(key, out var propertyType))
            {
                Prune(obj[key], propertyType, path.Length == 0 ? key : $"{path}.{key}", unknown);
            }
            else
            {
                unknown.Add(path.Length == 0 ? key : $"{path}.{key}");
                obj.Remove(key);
            }
        }
    }

    private enum Shape
    {
        Single,
        List,
        Map,
    }

    private static (Shape Kind, Type Type) ElementType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type != typeof(string) && type != typeof(byte[]) && type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if (arguments.Length == 2 && (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
            {
                return (Shape.Map, arguments[1]);
            }

            if (arguments.Length == 1 && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
            {
                return (Shape.List, arguments[0]);
            }
        }

        return (Shape.Single, type);
    }

    /// <summary>JSON name → property type, or null for leaves (strings, numbers, IntOrString, Quantity, free-form objects).</summary>
    private static Dictionary<string, Type>? PropertiesOf(Type type) => Properties.GetOrAdd(type, static t =>
    {
        if (t.Namespace != "k8s.Models" || t.GetCustomAttribute<JsonConverterAttribute>() is not null)
        {
            return null;
        }

        var map = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name)
            {
                map[name.Name] = property.PropertyType;
            }
        }

        return map.Count == 0 ? null : map;
    });
}
