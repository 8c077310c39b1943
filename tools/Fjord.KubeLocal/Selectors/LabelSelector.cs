using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Selectors;

/// <summary>
/// A parsed label selector, from the query-string syntax (<c>labelSelector=</c>) or from a
/// <c>metav1.LabelSelector</c> object (matchLabels and matchExpressions). All requirements must hold. Pure.
/// </summary>
public sealed class LabelSelector(IReadOnlyList<LabelRequirement> requirements)
{
    public static readonly LabelSelector Everything = new([]);

    public IReadOnlyList<LabelRequirement> Requirements { get; } = requirements;

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(JsonObject obj) => Matches(LabelsOf(obj));

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    public static Dictionary<string, string> LabelsOf(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                labels[key] = value?.GetValue<string>() ?? "";
            }
        }

        return labels;
    }

    /// <summary>Parses <c>a=b,c!=d,e in (f,g),!h</c>; throws 400 on a syntax error.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<LabelRequirement>();
        foreach (var term in SplitTerms(text))
        {
            requirements.Add(ParseTerm(term.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>A <c>metav1.LabelSelector</c> object; null matches everything, as for a PDB or a Service.</summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        if (selector is not JsonObject obj)
        {
            return Everything;
        }

        var requirements = new List<LabelRequirement>();
        if (obj["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                requirements.Add(new LabelRequirement(key, LabelOperator.Equals, [value?.GetValue<string>() ?? ""]));
            }
        }

        if (obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = expression["key"]?.GetValue<string>() ?? "";
                var values = (expression["values"] as JsonArray)?.Select(v => v!.GetValue<string>()).ToList() ?? [];
                var op = expression["operator"]?.GetValue<string>() switch
                {
                    "In" => LabelOperator.In,
                    "NotIn" => LabelOperator.NotIn,
                    "Exists" => LabelOperator.Exists,
                    "DoesNotExist" => LabelOperator.DoesNotExist,
                    var other => throw KubeApiException.BadRequest($"\"{other}\" is not a valid label selector operator"),
                };
                requirements.Add(new LabelRequirement(key, op, values));
            }
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Equality selectors only (a Service or a ReplicationController selector map).</summary>
    public static LabelSelector FromMap(JsonNode? map) =>
        map is JsonObject obj ? FromObject(new JsonObject { ["matchLabels"] = obj.DeepClone() }) : Everything;

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static LabelRequirement ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw KubeApiException.BadRequest($"unable to parse requirement: found '', expected: identifier in \"{whole}\"");
        }

        if (term.StartsWith('!'))
        {
            return new LabelRequirement(ValidKey(term[1..].Trim(), whole), LabelOperator.DoesNotExist, []);
        }

        var setMatch = System.Text.RegularExpressions.Regex.Match(term, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var values = setMatch.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries).Where(v => v.Length > 0).ToList();
            return new LabelRequirement(ValidKey(setMatch.Groups[1].Value, whole), setMatch.Groups[2].Value == "in" ? LabelOperator.In : LabelOperator.NotIn, values);
        }

        foreach (var (token, op) in new[] { ("!=", LabelOperator.NotEquals), ("==", LabelOperator.Equals), ("=", LabelOperator.Equals) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new LabelRequirement(ValidKey(term[..at].Trim(), whole), op, [term[(at + token.Length)..].Trim()]);
            }
        }

        return new LabelRequirement(ValidKey(term, whole), LabelOperator.Exists, []);
    }

    private static string ValidKey(string key, string whole)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(key, @"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"))
        {
            throw KubeApiException.BadRequest($"unable to parse requirement: invalid label key \"{key}\" in \"{whole}\"");
        }

        return key;
    }
}
