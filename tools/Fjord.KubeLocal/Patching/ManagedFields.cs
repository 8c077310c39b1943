using System.Text.Json.Nodes;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Semantics;

namespace Fjord.KubeLocal.Patching;

/// <summary>
/// Maintains <c>metadata.managedFields</c>: which manager set which field, by Update (PUT, PATCH, POST) or Apply
/// (server-side apply). A manager that changes a field takes it from the others, as the apiserver's fieldmanager does. Pure.
/// </summary>
public static class ManagedFields
{
    public static FieldSet.ListKeys KeysFor(ResourceType type) => type.IsCustom ? FieldSet.SchemaKeys : FieldSet.BuiltInKeys;

    public static Dictionary<string, JsonNode?> LeavesOf(JsonObject obj, ResourceType type, bool status) =>
        FieldSet.Leaves(obj, type.Schema, KeysFor(type), includeStatus: status);

    /// <summary>Records an Update by <paramref name="manager"/>: it owns every field whose value it changed.</summary>
    public static void RecordUpdate(JsonObject updated, JsonObject? current, string manager, ResourceType type, DateTimeOffset now)
    {
        var after = LeavesOf(updated, type, status: true);
        var before = current is null ? [] : LeavesOf(current, type, status: true);
        var changed = after.Where(p => !before.TryGetValue(p.Key, out var old) || !JsonNode.DeepEquals(old, p.Value)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var entries = Entries(updated);
        foreach (var entry in entries)
        {
            entry.Fields.IntersectWith(after.Keys);
            if (entry.Manager != manager || entry.Operation != "Update")
            {
                entry.Fields.ExceptWith(changed);
            }
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update");
        if (mine is null)
        {
            mine = new Entry(manager, "Update", type.ApiVersion, [], Clock.Time(now));
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        if (changed.Count > 0)
        {
            mine.Time = Clock.Time(now);
        }

        Store(updated, entries);
    }

    /// <summary>Records an Apply: the manager owns exactly the applied fields; forced conflicts move ownership.</summary>
    public static void RecordApply(JsonObject updated, string manager, ResourceType type, IEnumerable<string> applied, IEnumerable<string> forcedAway, DateTimeOffset now)
    {
        var after = LeavesOf(updated, type, status: true);
        var entries = Entries(updated);
        var appliedSet = applied.ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            entry.Fields.IntersectWith(after.Keys);
            entry.Fields.ExceptWith(forcedAway);
        }

        entries.RemoveAll(e => e.Manager == manager && e.Operation == "Apply");
        entries.Add(new Entry(manager, "Apply", type.ApiVersion, appliedSet, Clock.Time(now)));
        Store(updated, entries);
    }

    public static List<Entry> Entries(JsonObject obj)
    {
        var entries = new List<Entry>();
        foreach (var item in (obj["metadata"]?["managedFields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            entries.Add(new Entry(
                item["manager"]?.GetValue<string>() ?? "",
                item["operation"]?.GetValue<string>() ?? "Update",
                item["apiVersion"]?.GetValue<string>() ?? "",
                FieldSet.FromFieldsV1(item["fieldsV1"]),
                item["time"]?.GetValue<string>() ?? "")
            { Subresource = item["subresource"]?.GetValue<string>() });
        }

        return entries;
    }

    private static void Store(JsonObject obj, List<Entry> entries)
    {
        var list = new JsonArray();
        foreach (var entry in entries.Where(e => e.Fields.Count > 0))
        {
            var item = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
                ["time"] = entry.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = FieldSet.ToFieldsV1(entry.Fields),
            };
            if (entry.Subresource is not null)
            {
                item["subresource"] = entry.Subresource;
            }

            list.Add(item);
        }

        var meta = (JsonObject)obj["metadata"]!;
        if (list.Count == 0)
        {
            meta.Remove("managedFields");
        }
        else
        {
            meta["managedFields"] = list;
        }
    }

    /// <summary>One managedFields entry with its field paths.</summary>
    public sealed class Entry(string manager, string operation, string apiVersion, HashSet<string> fields, string time)
    {
        public string Manager { get; } = manager;

        public string Operation { get; } = operation;

        public string ApiVersion { get; } = apiVersion;

        public HashSet<string> Fields { get; } = fields;

        public string Time { get; set; } = time;

        public string? Subresource { get; init; }
    }
}
