using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Store;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// The garbage collector and namespace/CRD cleanup that kube-controller-manager and apiextensions run next to a
/// real apiserver, here inside the API server process: dependents whose owners (by UID) are all gone are deleted;
/// <c>foregroundDeletion</c> owners wait for dependents with <c>blockOwnerDeletion</c>; <c>orphan</c> owners strip
/// their dependents' ownerReferences; terminating namespaces are emptied then removed; a deleted CRD's objects go
/// first. <see cref="Sweep"/> is pure with respect to the store and may be called from tests; the hosted loop runs
/// it after commits.
/// </summary>
public sealed partial class GarbageCollector(ObjectWriter writer, ILogger<GarbageCollector> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        writer.Store.Committed += _ => Signal();
        while (!stoppingToken.IsCancellationRequested)
        {
            await _wake.WaitAsync(stoppingToken);
            while (_wake.CurrentCount > 0)
            {
                await _wake.WaitAsync(stoppingToken);
            }

            try
            {
                Sweep();
            }
            catch (Exception ex) when (ex is KubeApiException or InvalidOperationException)
            {
                LogSweepFailed(logger, ex.Message);
                Signal();
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
            }
        }
    }

    private void Signal()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    public void Sweep()
    {
        var store = writer.Store;
        var all = new List<(string Key, JsonObject Obj)>();
        foreach (var key in store.StorageKeys())
        {
            all.AddRange(store.List(key, null).Select(o => (key, o)));
        }

        var byUid = all.Where(e => ApiObjects.UidOf(e.Obj) is not null).ToDictionary(e => ApiObjects.UidOf(e.Obj)!, e => e);
        foreach (var (key, obj) in all)
        {
            var type = writer.Catalog.ForStorageKey(key);
            if (type is null || obj["metadata"]?["deletionTimestamp"] is null)
            {
                continue;
            }

            var uid = ApiObjects.UidOf(obj)!;
            var finalizers = ObjectWriter.Finalizers(obj);
            var dependents = all.Where(e => OwnerUids(e.Obj).Contains(uid)).ToList();
            if (key == "namespaces")
            {
                FinishNamespace(obj, all);
                continue;
            }

            if (key == ResourceCatalog.CrdStorageKey && finalizers.Contains(ObjectWriter.CrdCleanupFinalizer))
            {
                var crType = ResourceCatalog.FromDefinition(obj).FirstOrDefault();
                var instances = crType is null ? [] : store.List(crType.StorageKey, null);
                if (instances.Count == 0)
                {
                    writer.RemoveFinalizer(type, obj, ObjectWriter.CrdCleanupFinalizer);
                }
                else
                {
                    foreach (var instance in instances.Where(i => i["metadata"]?["deletionTimestamp"] is null))
                    {
                        TryDelete(crType!, instance, DeleteRequest.Background);
                    }
                }

                continue;
            }

            if (finalizers.Contains(ObjectWriter.OrphanFinalizer))
            {
                foreach (var (dependentKey, dependent) in dependents)
                {
                    StripOwner(dependentKey, dependent, uid);
                }

                writer.RemoveFinalizer(type, obj, ObjectWriter.OrphanFinalizer);
                continue;
            }

            if (finalizers.Contains(ObjectWriter.ForegroundFinalizer))
            {
                foreach (var (dependentKey, dependent) in dependents.Where(d => d.Obj["metadata"]?["deletionTimestamp"] is null))
                {
                    if (writer.Catalog.ForStorageKey(dependentKey) is { } dependentType)
                    {
                        TryDelete(dependentType, dependent, DeleteRequest.Background with { PropagationPolicy = "Foreground" });
                    }
                }

                var blocking = dependents.Any(d => (d.Obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>()
                    .Any(r => r["uid"]?.GetValue<string>() == uid && r["blockOwnerDeletion"]?.GetValue<bool>() == true));
                if (!blocking)
                {
                    writer.RemoveFinalizer(type, obj, ObjectWriter.ForegroundFinalizer);
                }
            }
        }

        foreach (var (key, obj) in all)
        {
            var owners = OwnerUids(obj);
            if (owners.Count == 0 || obj["metadata"]?["deletionTimestamp"] is not null || owners.Any(byUid.ContainsKey))
            {
                continue;
            }

            if (writer.Catalog.ForStorageKey(key) is { } type)
            {
                TryDelete(type, obj, DeleteRequest.Background);
            }
        }
    }

    private void FinishNamespace(JsonObject ns, List<(string Key, JsonObject Obj)> all)
    {
        var name = ApiObjects.NameOf(ns);
        var contents = all.Where(e => ApiObjects.NamespaceOf(e.Obj) == name).ToList();
        if (contents.Count == 0)
        {
            if (ObjectWriter.Finalizers(ns).Count == 0)
            {
                writer.Store.Remove("namespaces", ns);
            }

            return;
        }

        foreach (var (key, obj) in contents.Where(c => c.Obj["metadata"]?["deletionTimestamp"] is null))
        {
            if (writer.Catalog.ForStorageKey(key) is { } type)
            {
                TryDelete(type, obj, DeleteRequest.Background);
            }
        }
    }

    private void TryDelete(ResourceType type, JsonObject obj, DeleteRequest request)
    {
        try
        {
            writer.Delete(type, type.Namespaced ? ApiObjects.NamespaceOf(obj) : null, ApiObjects.NameOf(obj), request);
        }
        catch (KubeApiException ex) when (ex.Code == 404)
        {
            // Already gone.
        }
    }

    private void StripOwner(string key, JsonObject dependent, string ownerUid)
    {
        lock (writer.Store.Gate)
        {
            var latest = writer.Store.Get(key, ApiObjects.NamespaceOf(dependent), ApiObjects.NameOf(dependent));
            if (latest is null || writer.Catalog.ForStorageKey(key) is not { } type)
            {
                return;
            }

            var updated = latest.DeepClone().AsObject();
            var meta = (JsonObject)updated["metadata"]!;
            var remaining = (meta["ownerReferences"] as JsonArray ?? []).Where(r => r?["uid"]?.GetValue<string>() != ownerUid).Select(r => r?.DeepClone()).ToList();
            if (remaining.Count == 0)
            {
                meta.Remove("ownerReferences");
            }
            else
            {
                meta["ownerReferences"] = new JsonArray([.. remaining]);
            }

            writer.CommitUpdate(type, latest, updated, WriteOptions.Internal);
        }
    }

    private static List<string> OwnerUids(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Select(r => r?["uid"]?.GetValue<string>() ?? "").Where(u => u.Length > 0).ToList();

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "garbage collection sweep failed, retrying: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
