using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Schema;

/// <summary>
/// What apiextensions-apiserver does to a custom resource with a structural schema (KEP-575): prune fields the
/// schema does not declare (unless <c>x-kubernetes-preserve-unknown-fields</c>), fill <c>default</c>s, then validate
/// type, required, enum, bounds, lengths, item counts and pattern. CEL <c>x-kubernetes-validations</c> are not
/// evaluated. Unknown fields are an error under <c>fieldValidation=Strict</c>, a warning under Warn. Pure.
/// </summary>
public static class StructuralSchema
{
    /// <summary>Prunes, defaults and validates <paramref name="obj"/> in place; returns the validation failures.</summary>
    public static List<(string Field, string Message)> Process(JsonNode schema, JsonObject obj, string fieldValidation, List<string> warnings)
    {
        var unknown = new List<string>();
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            var propertySchema = schema["properties"]?[key];
            if (propertySchema is null && !PreservesUnknown(schema))
            {
                unknown.Add(key);
                obj.Remove(key);
                continue;
            }

            if (propertySchema is not null)
            {
                obj[key] = Prune(obj[key], propertySchema, key, unknown);
            }
        }

        if (unknown.Count > 0)
        {
            switch (fieldValidation)
            {
                case "Strict":
                    throw KubeApiException.BadRequest($"{obj["kind"]} in version \"{obj["apiVersion"]?.ToString().Split('/').Last()}\" cannot be handled as a {obj["kind"]}: strict decoding error: "
                        + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
                case "Ignore":
                    break;
                default:
                    warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
                    break;
            }
        }

        Default(obj, schema, isRoot: true);
        var errors = new List<(string, string)>();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (schema["properties"]?[key] is { } propertySchema)
            {
                Validate(value, propertySchema, key, errors);
            }
        }

        foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
        {
            if (required is not ("apiVersion" or "kind" or "metadata") && obj[required] is null)
            {
                errors.Add((required, "Required value"));
            }
        }

        return errors;
    }

    /// <summary>Drops undeclared fields below <paramref name="path"/>, and nulls the schema does not allow.</summary>
    internal static JsonNode? Prune(JsonNode? node, JsonNode schema, string path, List<string> unknown)
    {
        switch (node)
        {
            case JsonObject obj:
                if (schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() == true)
                {
                    // apiVersion, kind and metadata of an embedded object are always kept.
                }

                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = schema["properties"]?[key]
                        ?? (schema["additionalProperties"] is JsonObject additional ? additional : null);
                    if (child is null)
                    {
                        var embeddedKeep = schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() == true && key is "apiVersion" or "kind" or "metadata";
                        if (!PreservesUnknown(schema) && !embeddedKeep)
                        {
                            unknown.Add($"{path}.{key}");
                            obj.Remove(key);
                        }

                        continue;
                    }

                    if (obj[key] is null && child["nullable"]?.GetValue<bool>() != true)
                    {
                        obj.Remove(key);
                        continue;
                    }

                    obj[key] = Prune(obj[key], child, $"{path}.{key}", unknown);
                }

                return obj;
            case JsonArray array when schema["items"] is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Prune(array[i]?.DeepClone(), items, $"{path}[{i}]", unknown);
                }

                return array;
            default:
                return node;
        }
    }

    /// <summary>Fills absent fields that declare a default, recursively (apiextensions' structural defaulting).</summary>
    internal static void Default(JsonNode? node, JsonNode schema, bool isRoot = false)
    {
        switch (node)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (key, child) in properties)
                    {
                        if (isRoot && key is "apiVersion" or "kind" or "metadata")
                        {
                            continue;
                        }

                        if (obj[key] is null && child?["default"] is { } value)
                        {
                            obj[key] = value.DeepClone();
                        }

                        if (child is not null && obj[key] is { } present)
                        {
                            Default(present, child);
                        }
                    }
                }

                if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach (var (_, value) in obj)
                    {
                        Default(value, additional);
                    }
                }

                break;
            case JsonArray array when schema["items"] is { } items:
                foreach (var item in array)
                {
                    Default(item, items);
                }

                break;
        }
    }

    internal static void Validate(JsonNode? node, JsonNode schema, string path, List<(string, string)> errors)
    {
        if (node is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add((path, $"Invalid value: \"null\": {path} in body must be of type {schema["type"]}: \"null\""));
            }

            return;
        }

        var type = schema["type"]?.GetValue<string>();
        var intOrString = schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var kind = KindOf(node);
        if (intOrString ? kind is not ("integer" or "string") : type is not null && !(kind == type || (type == "number" && kind == "integer")))
        {
            errors.Add((path, $"Invalid value: \"{kind}\": {path} in body must be of type {(intOrString ? "integer or string" : type)}: \"{kind}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            errors.Add((path, $"Unsupported value: {node.ToJsonString()}: supported values: {string.Join(", ", allowed.Select(a => a!.ToJsonString()))}"));
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
                {
                    if (obj[required] is null)
                    {
                        errors.Add(($"{path}.{required}", "Required value"));
                    }
                }

                foreach (var (key, value) in obj)
                {
                    var child = schema["properties"]?[key] ?? (schema["additionalProperties"] as JsonObject);
                    if (child is not null)
                    {
                        Validate(value, child, $"{path}.{key}", errors);
                    }
                }

                CheckCount(obj.Count, schema, "minProperties", "maxProperties", path, "properties", errors);
                break;
            case JsonArray array:
                CheckCount(array.Count, schema, "minItems", "maxItems", path, "items", errors);
                if (schema["items"] is { } items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Validate(array[i], items, $"{path}[{i}]", errors);
                    }
                }

                break;
            case JsonValue value when kind == "string":
                var text = value.GetValue<string>();
                CheckCount(text.Length, schema, "minLength", "maxLength", path, "chars long", errors);
                if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern))
                {
                    errors.Add((path, $"Invalid value: \"{text}\": {path} in body should match '{pattern}'"));
                }

                break;
            case JsonValue value when kind is "integer" or "number":
                var number = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
                if (schema["minimum"] is { } min)
                {
                    var exclusive = schema["exclusiveMinimum"]?.GetValue<bool>() == true;
                    if (exclusive ? number <= min.GetValue<double>() : number < min.GetValue<double>())
                    {
                        errors.Add((path, $"Invalid value: {Format(number)}: {path} in body should be greater than {(exclusive ? "" : "or equal to ")}{min}"));
                    }
                }

                if (schema["maximum"] is { } max)
                {
                    var exclusive = schema["exclusiveMaximum"]?.GetValue<bool>() == true;
                    if (exclusive ? number >= max.GetValue<double>() : number > max.GetValue<double>())
                    {
                        errors.Add((path, $"Invalid value: {Format(number)}: {path} in body should be less than {(exclusive ? "" : "or equal to ")}{max}"));
                    }
                }

                break;
        }
    }

    private static void CheckCount(int count, JsonNode schema, string minKey, string maxKey, string path, string unit, List<(string, string)> errors)
    {
        if (schema[minKey] is { } min && count < min.GetValue<long>())
        {
            errors.Add((path, $"Invalid value: {count}: {path} in body should have at least {min} {unit}"));
        }

        if (schema[maxKey] is { } max && count > max.GetValue<long>())
        {
            errors.Add((path, $"Too many: {count}: must have at most {max} {unit}"));
        }
    }

    private static string KindOf(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static bool IsInteger(JsonValue v) => long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static string Format(double number) => number.ToString(CultureInfo.InvariantCulture);

    private static bool PreservesUnknown(JsonNode schema) => schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
}
