using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// The JSONPath subset CRD additionalPrinterColumns use: <c>.a.b</c>, <c>[N]</c>, <c>[*]</c> and filters
/// <c>[?(@.type=="Ready")]</c>. Several matches print comma-separated, as kubectl's server-side printer does. Pure.
/// </summary>
public static partial class PrinterColumnPath
{
    public static JsonNode? Evaluate(JsonObject obj, string path)
    {
        var current = new List<JsonNode?> { obj };
        foreach (Match step in Step().Matches(path))
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                if (step.Groups["field"].Success)
                {
                    if (node is JsonObject map && map[step.Groups["field"].Value] is { } child)
                    {
                        next.Add(child);
                    }
                }
                else if (step.Groups["index"].Success && node is JsonArray indexed)
                {
                    var index = int.Parse(step.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (index < 0)
                    {
                        index += indexed.Count;
                    }

                    if (index >= 0 && index < indexed.Count)
                    {
                        next.Add(indexed[index]);
                    }
                }
                else if (step.Groups["all"].Success && node is JsonArray all)
                {
                    next.AddRange(all);
                }
                else if (step.Groups["key"].Success && node is JsonArray filtered)
                {
                    var wanted = step.Groups["value"].Value.Trim('"', '\'');
                    next.AddRange(filtered.Where(item => item?[step.Groups["key"].Value]?.ToString() == wanted));
                }
            }

            current = next;
        }

        var found = current.Where(n => n is not null).ToList();
        return found.Count switch
        {
            0 => null,
            1 => found[0]!.DeepClone(),
            _ => string.Join(",", found.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n!.ToJsonString())),
        };
    }

    [GeneratedRegex("""\.(?<field>[A-Za-z0-9_\-$]+)|\[(?<index>-?\d+)\]|\[(?<all>\*)\]|\[\?\(@\.(?<key>[A-Za-z0-9_\-]+)\s*==\s*(?<value>"[^"]*"|'[^']*'|[^)\s]+)\)\]""")]
    private static partial Regex Step();
}
