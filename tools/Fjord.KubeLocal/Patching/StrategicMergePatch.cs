using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Patching;

/// <summary>
/// Strategic merge patch for built-in kinds (community/contributors/devel/sig-api-machinery/strategic-merge-patch.md):
/// lists with a merge key merge item by item, <c>$patch: replace|delete|merge</c>, <c>$retainKeys</c>,
/// <c>$setElementOrder/&lt;list&gt;</c> and <c>$deleteFromPrimitiveList/&lt;list&gt;</c>. Pure.
/// </summary>
public static class StrategicMergePatch
{
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(JsonObject original, JsonObject patch) =>
        MergeMap(original.DeepClone().AsObject(), patch, []) ?? [];

    private static JsonObject? MergeMap(JsonObject target, JsonObject patch, List<string> path)
    {
        switch (patch["$patch"]?.GetValue<string>())
        {
            case "delete":
                return null;
            case "replace":
                return WithoutDirectives(patch);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                target.Remove(key);
                continue;
            }

            var childPath = new List<string>(path) { key };
            switch (value)
            {
                case JsonObject childPatch:
                {
                    var merged = MergeMap(target[key]?.DeepClone() as JsonObject ?? [], childPatch, childPath);
                    if (merged is null)
                    {
                        target.Remove(key);
                    }
                    else
                    {
                        target[key] = merged;
                    }

                    break;
                }

                case JsonArray list:
                    target[key] = MergeList(target[key] as JsonArray, list, path, key);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal) && value is JsonArray removals)
            {
                var field = key[DeleteFromPrimitiveList.Length..];
                if (target[field] is JsonArray list)
                {
                    target[field] = new JsonArray([.. list.Where(item => !removals.Any(r => JsonNode.DeepEquals(r, item))).Select(item => item?.DeepClone())]);
                }
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key[SetElementOrder.Length..];
                if (target[field] is JsonArray list)
                {
                    target[field] = Reorder(list, order, PatchMergeKeys.For(path, field));
                }
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k!.GetValue<string>()).ToHashSet();
            foreach (var key in target.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    target.Remove(key);
                }
            }
        }

        return target;
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, List<string> path, string field)
    {
        var mergeKey = PatchMergeKeys.For(path, field);
        if (mergeKey is null)
        {
            // Atomic list; a replace directive inside it is still honoured.
            return new JsonArray([.. patch.Where(i => !IsDirective(i, "replace")).Select(i => i?.DeepClone())]);
        }

        if (patch.Any(i => IsDirective(i, "replace")))
        {
            return new JsonArray([.. patch.Where(i => !IsDirective(i, "replace")).Select(i => i?.DeepClone())]);
        }

        var result = original?.DeepClone().AsArray() ?? [];
        if (mergeKey.Length == 0)
        {
            foreach (var item in patch)
            {
                if (!result.Any(existing => JsonNode.DeepEquals(existing, item)))
                {
                    result.Add(item?.DeepClone());
                }
            }

            return result;
        }

        var itemPath = new List<string>(path) { field };
        foreach (var item in patch)
        {
            if (item is not JsonObject itemPatch)
            {
                throw new KubeApiException(422, "Invalid", $"list {field} holds a non-map item but has merge key {mergeKey}");
            }

            var keyValue = itemPatch[mergeKey];
            var index = IndexOf(result, mergeKey, keyValue);
            if (IsDirective(itemPatch, "delete"))
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                result[index] = MergeMap(result[index]!.DeepClone().AsObject(), itemPatch, itemPath);
            }
            else
            {
                result.Add(MergeMap([], itemPatch, itemPath));
            }
        }

        return result;
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        var remaining = list.Select(i => i?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var at = remaining.FindIndex(item => mergeKey is { Length: > 0 }
                ? JsonNode.DeepEquals(item?[mergeKey], wanted?[mergeKey])
                : JsonNode.DeepEquals(item, wanted));
            if (at >= 0)
            {
                ordered.Add(remaining[at]);
                remaining.RemoveAt(at);
            }
        }

        ordered.AddRange(remaining);
        return new JsonArray([.. ordered]);
    }

    private static int IndexOf(JsonArray list, string mergeKey, JsonNode? keyValue)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && JsonNode.DeepEquals(item[mergeKey], keyValue))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsDirective(JsonNode? item, string directive) =>
        item is JsonObject o && o["$patch"] is JsonValue v && v.TryGetValue<string>(out var s) && s == directive;

    private static JsonObject WithoutDirectives(JsonObject patch)
    {
        var result = new JsonObject();
        foreach (var (key, value) in patch)
        {
            if (!key.StartsWith('$'))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }
}
