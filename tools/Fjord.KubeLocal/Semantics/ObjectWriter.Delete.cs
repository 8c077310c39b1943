using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Semantics;

public sealed partial class ObjectWriter
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";
    public const string CrdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    /// <summary>
    /// DELETE semantics: preconditions, propagation finalizers (foregroundDeletion, orphan), graceful deletion of
    /// bound pods, and finalizers that turn a delete into setting <c>deletionTimestamp</c> (bumping generation).
    /// Returns the object as it is now, and whether it is gone.
    /// </summary>
    public (JsonObject Object, bool Removed) Delete(ResourceType type, string? ns, string name, DeleteRequest request)
    {
        lock (store.Gate)
        {
            var current = store.Get(type.StorageKey, ns, name) ?? throw KubeApiException.NotFound(type.Group, type.Plural, name);
            var currentMeta = (JsonObject)current["metadata"]!;
            if (request.PreconditionUid is { Length: > 0 } uid && uid != currentMeta["uid"]?.GetValue<string>())
            {
                throw KubeApiException.Conflict(type.Group, type.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentMeta["uid"]}");
            }

            if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != currentMeta["resourceVersion"]?.GetValue<string>())
            {
                throw KubeApiException.Conflict(type.Group, type.Plural, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {currentMeta["resourceVersion"]}");
            }

            var obj = current.DeepClone().AsObject();
            var meta = (JsonObject)obj["metadata"]!;
            var finalizers = Finalizers(obj);
            var deleting = meta["deletionTimestamp"] is not null;
            var now = time.GetUtcNow();
            if (!deleting)
            {
                switch (request.PropagationPolicy)
                {
                    case "Foreground" when !finalizers.Contains(ForegroundFinalizer):
                        finalizers.Add(ForegroundFinalizer);
                        break;
                    case "Orphan" when !finalizers.Contains(OrphanFinalizer):
                        finalizers.Add(OrphanFinalizer);
                        break;
                }

                if (type.StorageKey == ResourceCatalog.CrdStorageKey && !finalizers.Contains(CrdCleanupFinalizer))
                {
                    finalizers.Add(CrdCleanupFinalizer);
                }
            }

            if (type.StorageKey == "namespaces")
            {
                // Namespace termination: the garbage collector empties it, then removes it (spec.finalizers "kubernetes").
                if (!deleting)
                {
                    meta["deletionTimestamp"] = Clock.Time(now);
                    meta["deletionGracePeriodSeconds"] = 0;
                    obj["status"] = new JsonObject { ["phase"] = "Terminating" };
                    SetFinalizers(meta, finalizers);
                    return (store.Commit(type.StorageKey, obj), false);
                }

                return (current, false);
            }

            if (type.StorageKey == "pods")
            {
                var grace = request.GracePeriodSeconds ?? obj["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
                var phase = obj["status"]?["phase"]?.GetValue<string>();
                var bound = obj["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 };
                if (!bound || phase is "Succeeded" or "Failed")
                {
                    grace = 0;
                }

                var currentGrace = meta["deletionGracePeriodSeconds"]?.GetValue<long>();
                if (grace > 0 && (currentGrace is null || grace < currentGrace))
                {
                    // Graceful deletion: the kubelet stops the containers, then deletes with gracePeriodSeconds=0.
                    meta["deletionTimestamp"] = Clock.Time(now.AddSeconds(grace));
                    meta["deletionGracePeriodSeconds"] = grace;
                    SetFinalizers(meta, finalizers);
                    return (store.Commit(type.StorageKey, obj), false);
                }

                if (grace > 0)
                {
                    return (current, false);
                }

                meta["deletionGracePeriodSeconds"] = 0;
            }

            if (finalizers.Count > 0)
            {
                var changed = !deleting || !finalizers.SequenceEqual(Finalizers(current));
                if (!deleting)
                {
                    meta["deletionTimestamp"] = Clock.Time(now);
                    meta["deletionGracePeriodSeconds"] ??= 0;
                    if (type.HasGeneration)
                    {
                        // apiserver/pkg/registry/rest/delete.go: setting deletionTimestamp bumps generation.
                        meta["generation"] = (meta["generation"]?.GetValue<long>() ?? 1) + 1;
                    }
                }

                SetFinalizers(meta, finalizers);
                return changed ? (store.Commit(type.StorageKey, obj), false) : (current, false);
            }

            return (store.Remove(type.StorageKey, current), true);
        }
    }

    /// <summary>Removes one finalizer (the garbage collector's own); the object goes when none is left.</summary>
    internal void RemoveFinalizer(ResourceType type, JsonObject current, string finalizer)
    {
        lock (store.Gate)
        {
            var latest = store.Get(type.StorageKey, Api.ApiObjects.NamespaceOf(current), NameOf(current));
            if (latest is null || !Finalizers(latest).Contains(finalizer))
            {
                return;
            }

            var updated = latest.DeepClone().AsObject();
            SetFinalizers((JsonObject)updated["metadata"]!, [.. Finalizers(latest).Where(f => f != finalizer)]);
            CommitUpdate(type, latest, updated, WriteOptions.Internal);
        }
    }

    private static bool WaitsForGracefulDeletion(ResourceType type, JsonObject obj) =>
        type.StorageKey == "pods" && (obj["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0) > 0;

    private static void SetFinalizers(JsonObject meta, List<string> finalizers)
    {
        if (finalizers.Count == 0)
        {
            meta.Remove("finalizers");
        }
        else
        {
            meta["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        }
    }
}
