using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Patching;

/// <summary>JSON Patch (RFC 6902) with JSON Pointers (RFC 6901). A failed operation is a 422, as on the apiserver. Pure.</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.GetValue<string>() ?? "";
            var path = operation["path"]?.GetValue<string>() ?? throw Fail("missing path");
            switch (op)
            {
                case "add":
                    Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = operation["from"]?.GetValue<string>() ?? throw Fail("missing from");
                    var value = Remove(root, from);
                    Add(root, path, value);
                    break;
                }

                case "copy":
                {
                    var from = operation["from"]?.GetValue<string>() ?? throw Fail("missing from");
                    Add(root, path, Resolve(root, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), operation["value"]))
                    {
                        throw Fail($"testing value {path} failed");
                    }

                    break;
                default:
                    throw Fail($"Unexpected kind: {op}");
            }
        }

        return root["doc"]!;
    }

    private static KubeApiException Fail(string message) => new(422, "Invalid", "the server rejected our request due to an error in our request: " + message);

    private static (JsonNode Parent, string Token) Locate(JsonObject root, string pointer)
    {
        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
        JsonNode? node = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            node = node switch
            {
                JsonObject o => o[tokens[i]],
                JsonArray a when int.TryParse(tokens[i], out var index) && index >= 0 && index < a.Count => a[index],
                _ => null,
            };
            if (node is null)
            {
                throw Fail($"doc is missing path: \"{pointer}\"");
            }
        }

        return (node!, tokens[^1]);
    }

    private static JsonNode? Resolve(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        return parent switch
        {
            JsonObject o when o.ContainsKey(token) => o[token],
            JsonArray a when int.TryParse(token, out var index) && index >= 0 && index < a.Count => a[index],
            _ => throw Fail($"doc is missing path: \"{pointer}\""),
        };
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(token, out var index) && index >= 0 && index <= a.Count:
                a.Insert(index, value);
                break;
            default:
                throw Fail($"doc is missing path: \"{pointer}\"");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
            {
                var value = o[token];
                o.Remove(token);
                return value;
            }

            case JsonArray a when int.TryParse(token, out var index) && index >= 0 && index < a.Count:
            {
                var value = a[index];
                a.RemoveAt(index);
                return value;
            }

            default:
                throw Fail($"unable to remove nonexistent key: {token}: missing value");
        }
    }
}
