using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Patching;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Schema;
using Fjord.KubeLocal.Store;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// The write semantics of the apiserver's generic registry (k8s.io/apiserver/pkg/registry/generic/registry/store.go)
/// for every kind: create, update (main resource and <c>/status</c>), delete with finalizers, graceful pod deletion
/// and propagation policies. Everything happens under the store's gate, so a read-modify-write is atomic.
/// Thread-safe; called by request handlers and the garbage collector.
/// </summary>
public sealed partial class ObjectWriter(ObjectStore store, ResourceCatalog catalog, TimeProvider time, ServiceIpAllocator serviceIps)
{
    public ObjectStore Store => store;

    public ResourceCatalog Catalog => catalog;

    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteOptions options, Action<JsonObject>? recordFields = null)
    {
        lock (store.Gate)
        {
            var obj = body.DeepClone().AsObject();
            var meta = obj["metadata"] as JsonObject ?? [];
            obj["metadata"] = meta;
            obj["apiVersion"] = type.ApiVersion;
            obj["kind"] = type.Kind;
            if (type.Namespaced)
            {
                var bodyNamespace = meta["namespace"]?.GetValue<string>();
                if (bodyNamespace is { Length: > 0 } && bodyNamespace != ns)
                {
                    throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }

                meta["namespace"] = ns;
                RequireLiveNamespace(ns!);
            }
            else
            {
                meta.Remove("namespace");
            }

            var name = meta["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var prefix = meta["generateName"]?.GetValue<string>();
                if (string.IsNullOrEmpty(prefix))
                {
                    throw KubeApiException.Invalid(type.Kind, type.Group, "", [("metadata.name", "Required value: name or generateName is required")]);
                }

                name = prefix + RandomSuffix();
                meta["name"] = name;
            }

            NameValidation.Check(type, name);
            if (store.Get(type.StorageKey, type.Namespaced ? ns : null, name) is not null)
            {
                throw KubeApiException.AlreadyExists(type.Group, type.Plural, name);
            }

            ResetStatusOnCreate(type, obj);
            PrepareContent(type, obj, null, options);
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Clock.Time(time.GetUtcNow());
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            meta.Remove("resourceVersion");
            meta.Remove("selfLink");
            if (type.HasGeneration)
            {
                meta["generation"] = 1;
            }
            else
            {
                meta.Remove("generation");
            }

            OnCreate(type, obj);
            meta.Remove("managedFields");
            if (recordFields is null)
            {
                ManagedFields.RecordUpdate(obj, null, options.Manager, type, time.GetUtcNow());
            }
            else
            {
                recordFields(obj);
            }

            return options.DryRun ? obj : store.Commit(type.StorageKey, obj);
        }
    }

    /// <summary>
    /// PUT semantics. <paramref name="subresource"/> "status" takes only <c>.status</c> from the body; the main
    /// resource keeps the stored status when the kind has a status subresource.
    /// </summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, string? subresource, WriteOptions options, bool requireResourceVersion)
    {
        lock (store.Gate)
        {
            var current = store.Get(type.StorageKey, ns, name) ?? throw KubeApiException.NotFound(type.Group, type.Plural, name);
            var bodyName = body["metadata"]?["name"]?.GetValue<string>();
            if (bodyName is { Length: > 0 } && bodyName != name)
            {
                throw KubeApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (string.IsNullOrEmpty(rv))
            {
                if (requireResourceVersion && type.IsCustom)
                {
                    // apiextensions-apiserver: AllowUnconditionalUpdate() is false for custom resources.
                    throw KubeApiException.Invalid(type.Kind, type.Group, name, [("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]);
                }
            }
            else if (rv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw KubeApiException.Conflict(type.Group, type.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            JsonObject updated;
            if (subresource == "status")
            {
                updated = current.DeepClone().AsObject();
                if (body["status"] is { } status)
                {
                    updated["status"] = status.DeepClone();
                }
                else
                {
                    updated.Remove("status");
                }
            }
            else
            {
                updated = body.DeepClone().AsObject();
                updated["apiVersion"] = type.ApiVersion;
                updated["kind"] = type.Kind;
                if (type.HasStatus)
                {
                    if (current["status"] is { } status)
                    {
                        updated["status"] = status.DeepClone();
                    }
                    else
                    {
                        updated.Remove("status");
                    }
                }
            }

            return CommitUpdate(type, current, updated, options);
        }
    }

    /// <summary>Carries server-owned metadata over, validates, bumps generation, and commits unless nothing changed.</summary>
    internal JsonObject CommitUpdate(ResourceType type, JsonObject current, JsonObject updated, WriteOptions options, Action<JsonObject>? recordFields = null, bool checkImmutable = true)
    {
        var meta = updated["metadata"] as JsonObject ?? [];
        updated["metadata"] = meta;
        var currentMeta = (JsonObject)current["metadata"]!;
        foreach (var key in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion" })
        {
            if (currentMeta[key] is { } value)
            {
                meta[key] = value.DeepClone();
            }
            else
            {
                meta.Remove(key);
            }
        }

        PrepareContent(type, updated, current, options);
        if (checkImmutable)
        {
            ImmutableFields.Check(type, current, updated);
        }

        if (currentMeta["deletionTimestamp"] is not null)
        {
            var before = Finalizers(current);
            var added = Finalizers(updated).Except(before).ToList();
            if (added.Count > 0)
            {
                throw KubeApiException.Invalid(type.Kind, type.Group, NameOf(current),
                    [("metadata.finalizers", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {string.Join(", ", added)}")]);
            }
        }

        if (type.HasGeneration && SpecChanged(type, current, updated))
        {
            meta["generation"] = (currentMeta["generation"]?.GetValue<long>() ?? 1) + 1;
        }

        OnUpdate(type, current, updated);
        var clientSetManagedFields = meta["managedFields"] is JsonArray given && !JsonNode.DeepEquals(given, currentMeta["managedFields"]);
        if (recordFields is not null)
        {
            meta["managedFields"] = currentMeta["managedFields"]?.DeepClone();
            recordFields(updated);
        }
        else if (!clientSetManagedFields)
        {
            meta["managedFields"] = currentMeta["managedFields"]?.DeepClone();
            if (meta["managedFields"] is null)
            {
                meta.Remove("managedFields");
            }

            ManagedFields.RecordUpdate(updated, current, options.Manager, type, time.GetUtcNow());
        }

        if (options.DryRun)
        {
            return updated;
        }

        if (currentMeta["deletionTimestamp"] is not null && Finalizers(updated).Count == 0 && !WaitsForGracefulDeletion(type, updated) && type.StorageKey != "namespaces")
        {
            return store.Remove(type.StorageKey, updated);
        }

        if (SameContent(current, updated))
        {
            return current;
        }

        return store.Commit(type.StorageKey, updated);
    }

    /// <summary>Runs the kind's preparation on a create or update body: CR schema, built-in defaults, names.</summary>
    private void PrepareContent(ResourceType type, JsonObject obj, JsonObject? current, WriteOptions options)
    {
        if (type.IsCustom && type.Schema is not null)
        {
            var findings = StructuralSchema.Process(type.Schema, obj, options.FieldValidation, options.Warnings);
            if (findings.Count > 0)
            {
                throw KubeApiException.Invalid(type.Kind, type.Group, NameOf(obj), findings);
            }
        }
        else if (!type.IsCustom)
        {
            BuiltInFields.Check(type.StorageKey, obj, options.FieldValidation, options.Warnings);
            BuiltInDefaults.Apply(type.StorageKey, obj);
        }

        if (current is not null && type.StorageKey == "services")
        {
            // spec.clusterIP is immutable once allocated; an update that omits it keeps it.
            var spec = (JsonObject)(obj["spec"] ??= new JsonObject());
            spec["clusterIP"] ??= current["spec"]?["clusterIP"]?.DeepClone();
            spec["clusterIPs"] ??= current["spec"]?["clusterIPs"]?.DeepClone();
            spec["ipFamilies"] ??= current["spec"]?["ipFamilies"]?.DeepClone();
            spec["ipFamilyPolicy"] ??= current["spec"]?["ipFamilyPolicy"]?.DeepClone();
        }
    }

    private static void ResetStatusOnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.StorageKey)
        {
            case "pods":
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case "persistentvolumeclaims":
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
            case "namespaces":
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            default:
                if (type.HasStatus)
                {
                    obj.Remove("status");
                }

                break;
        }
    }

    private void OnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.StorageKey)
        {
            case "services":
                var spec = (JsonObject)(obj["spec"] ??= new JsonObject());
                if (spec["type"]?.GetValue<string>() != "ExternalName" && spec["clusterIP"]?.GetValue<string>() is null or "")
                {
                    var ip = serviceIps.Allocate();
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = new JsonArray(ip);
                }

                if (spec["clusterIP"]?.GetValue<string>() is { } allocated && allocated != "None")
                {
                    spec["ipFamilies"] ??= new JsonArray("IPv4");
                    spec["ipFamilyPolicy"] ??= "SingleStack";
                }

                obj["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case ResourceCatalog.CrdStorageKey:
                CustomResourceDefinitions.SetStatus(obj, time.GetUtcNow());
                break;
        }
    }

    private void OnUpdate(ResourceType type, JsonObject current, JsonObject updated)
    {
        if (type.StorageKey == ResourceCatalog.CrdStorageKey)
        {
            CustomResourceDefinitions.SetStatus(updated, time.GetUtcNow());
        }
    }

    private static bool SpecChanged(ResourceType type, JsonObject current, JsonObject updated)
    {
        foreach (var key in current.Select(p => p.Key).Union(updated.Select(p => p.Key)))
        {
            if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && type.HasStatus))
            {
                continue;
            }

            if (!JsonNode.DeepEquals(current[key], updated[key]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameContent(JsonObject current, JsonObject updated)
    {
        var a = current.DeepClone().AsObject();
        var b = updated.DeepClone().AsObject();
        foreach (var o in new[] { a, b })
        {
            var meta = (JsonObject)o["metadata"]!;
            meta.Remove("resourceVersion");
            if (meta["managedFields"] is JsonArray fields)
            {
                foreach (var entry in fields.OfType<JsonObject>())
                {
                    entry.Remove("time");
                }
            }
        }

        return JsonNode.DeepEquals(a, b);
    }

    internal static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToList() ?? [];

    internal static string NameOf(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    private void RequireLiveNamespace(string ns)
    {
        var namespaceObject = store.Get("namespaces", null, ns) ?? throw KubeApiException.NotFound("", "namespaces", ns);
        if (namespaceObject["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new KubeApiException(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated",
                new JsonObject { ["name"] = ns, ["kind"] = "namespaces", ["causes"] = new JsonArray(new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }) });
        }
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }
}
