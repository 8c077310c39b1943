using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Patching;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Semantics;

public sealed partial class ObjectWriter
{
    /// <summary>
    /// Server-side apply (<c>application/apply-patch+yaml</c>): creates the object when absent, otherwise merges the
    /// configuration into it, removes fields this manager stopped applying (unless others own them), and answers
    /// 409 when a changed field is owned by another manager and <paramref name="force"/> is false.
    /// </summary>
    public JsonObject Apply(ResourceType type, string? ns, string name, JsonObject config, string? subresource, WriteOptions options, bool force)
    {
        lock (store.Gate)
        {
            var configName = config["metadata"]?["name"]?.GetValue<string>();
            if (configName is { Length: > 0 } && configName != name)
            {
                throw KubeApiException.BadRequest($"the name of the object ({configName}) does not match the name on the URL ({name})");
            }

            var keys = ManagedFields.KeysFor(type);
            var applied = config.DeepClone().AsObject();
            if (subresource == "status")
            {
                foreach (var key in applied.Select(p => p.Key).Where(k => k is not ("apiVersion" or "kind" or "metadata" or "status")).ToList())
                {
                    applied.Remove(key);
                }
            }
            else if (type.HasStatus)
            {
                applied.Remove("status");
            }

            var appliedLeaves = FieldSet.Leaves(applied, type.Schema, keys, includeStatus: true);
            var current = store.Get(type.StorageKey, type.Namespaced ? ns : null, name);
            if (current is null)
            {
                if (subresource is not null)
                {
                    throw KubeApiException.NotFound(type.Group, type.Plural, name);
                }

                var body = applied.DeepClone().AsObject();
                var meta = body["metadata"] as JsonObject ?? [];
                meta["name"] = name;
                body["metadata"] = meta;
                return Create(type, ns, body, options, created => ManagedFields.RecordApply(created, options.Manager, type, appliedLeaves.Keys, [], time.GetUtcNow()));
            }

            var rv = config["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is { Length: > 0 } && rv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw KubeApiException.Conflict(type.Group, type.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var live = ManagedFields.LeavesOf(current, type, status: true);
            var entries = ManagedFields.Entries(current);
            var conflicts = new List<(string Manager, string ApiVersion, string Path)>();
            foreach (var (path, value) in appliedLeaves)
            {
                if (!live.TryGetValue(path, out var liveValue) || JsonNode.DeepEquals(liveValue, value))
                {
                    continue;
                }

                foreach (var entry in entries.Where(e => e.Manager != options.Manager && e.Fields.Contains(path)))
                {
                    conflicts.Add((entry.Manager, entry.ApiVersion, path));
                }
            }

            if (conflicts.Count > 0 && !force)
            {
                var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = "FieldManagerConflict",
                    ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}",
                    ["field"] = Readable(c.Path),
                })]);
                var text = string.Join("\n", conflicts.Select(c => $"- conflict with \"{c.Manager}\" using {c.ApiVersion}: {Readable(c.Path)}"));
                throw new KubeApiException(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: {text}",
                    new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["causes"] = causes });
            }

            var merged = ServerSideApply.Merge(current, applied, type.Schema, keys);
            var previous = entries.FirstOrDefault(e => e.Manager == options.Manager && e.Operation == "Apply")?.Fields ?? [];
            var ownedByOthers = entries.Where(e => !(e.Manager == options.Manager && e.Operation == "Apply")).SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
            // Whole list items first: an item is found by its key fields, so removing one of them (say an env entry's
            // name) before the item itself left a keyless remainder such as {"valueFrom":{"fieldRef":{}}} behind.
            var droppedPaths = previous.Where(p => !appliedLeaves.ContainsKey(p) && !ownedByOthers.Contains(p))
                .OrderBy(p => p.EndsWith($"{FieldSet.Separator}.", StringComparison.Ordinal) ? p.Length : int.MaxValue)
                .ThenByDescending(p => p.Length);
            foreach (var dropped in droppedPaths)
            {
                ServerSideApply.RemovePath(merged, dropped);
            }

            var forcedAway = conflicts.Select(c => c.Path).ToList();
            return CommitUpdate(type, current, merged, options,
                updated => ManagedFields.RecordApply(updated, options.Manager, type, appliedLeaves.Keys, forcedAway, time.GetUtcNow()));
        }
    }

    /// <summary><c>PUT namespaces/{name}/finalize</c>: replaces spec.finalizers of a namespace.</summary>
    public JsonObject Finalize(ResourceType type, string name, JsonObject body)
    {
        lock (store.Gate)
        {
            var current = store.Get(type.StorageKey, null, name) ?? throw KubeApiException.NotFound(type.Group, type.Plural, name);
            var updated = current.DeepClone().AsObject();
            var spec = (JsonObject)(updated["spec"] ??= new JsonObject());
            spec["finalizers"] = body["spec"]?["finalizers"]?.DeepClone() ?? new JsonArray();
            return store.Commit(type.StorageKey, updated);
        }
    }

    private static string Readable(string path) =>
        "." + string.Join(".", path.Split(FieldSet.Separator).Select(e => e.StartsWith("f:", StringComparison.Ordinal) ? e[2..] : $"[{e[2..]}]")).Replace(".[", "[", StringComparison.Ordinal);
}
