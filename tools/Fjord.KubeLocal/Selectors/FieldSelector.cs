using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Selectors;

/// <summary>
/// A parsed field selector (<c>metadata.name=x,spec.nodeName!=</c>). Only fields the apiserver indexes for the
/// resource are accepted; any other field is a 400, as on a real cluster. Pure.
/// </summary>
public sealed class FieldSelector
{
    private static readonly string[] Common = ["metadata.name", "metadata.namespace"];

    private static readonly Dictionary<string, string[]> PerStorageKey = new()
    {
        ["pods"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["events"] =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
        ["secrets"] = ["type"],
        ["namespaces"] = ["status.phase"],
        ["nodes"] = ["spec.unschedulable"],
    };

    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string Field, bool Equal, string Value)> terms) => _terms = terms;

    public bool IsEmpty => _terms.Count == 0;

    /// <summary>The value of an equality term on <paramref name="field"/>, e.g. metadata.name for a single-object watch.</summary>
    public string? EqualityValue(string field) => _terms.FirstOrDefault(t => t.Field == field && t.Equal).Value;

    /// <summary>Parses and checks the fields against what <paramref name="storageKey"/> supports (events.k8s.io's
    /// <c>regarding.*</c> is the core view's <c>involvedObject.*</c>).</summary>
    public static FieldSelector Parse(string? text, string storageKey)
    {
        var terms = new List<(string, bool, string)>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return new FieldSelector(terms);
        }

        PerStorageKey.TryGetValue(storageKey, out var extra);
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (at, length, equal) = raw.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? (ne, 2, false)
                : raw.IndexOf("==", StringComparison.Ordinal) is var ee and > 0 ? (ee, 2, true)
                : raw.IndexOf('=') is var e and > 0 ? (e, 1, true)
                : throw KubeApiException.BadRequest($"invalid selector: '{text}'; can't understand '{raw}'");
            var field = raw[..at].Trim();
            if (storageKey == "events" && field.StartsWith("regarding.", StringComparison.Ordinal))
            {
                field = "involvedObject." + field["regarding.".Length..];
            }

            if (!Common.Contains(field) && (extra is null || !extra.Contains(field)))
            {
                throw KubeApiException.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, equal, raw[(at + length)..].Trim()));
        }

        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (field, equal, value) in _terms)
        {
            if ((ValueOf(obj, field) == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    private static string ValueOf(JsonObject obj, string field)
    {
        if (field == "source")
        {
            return obj["source"]?["component"]?.ToString() ?? "";
        }

        JsonNode? node = obj;
        foreach (var part in field.Split('.'))
        {
            node = node?[part];
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }
}
