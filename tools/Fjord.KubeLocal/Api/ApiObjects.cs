using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Api;

/// <summary>Small readers over dynamic Kubernetes objects (JsonObject), tolerant of how a value was created.</summary>
public static class ApiObjects
{
    public static string? NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static string NameOf(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    public static string? UidOf(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>();

    public static long? Long(JsonNode? node) =>
        node is JsonValue && long.TryParse(node.ToJsonString().Trim('"'), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Re-parses an object so every value is JSON-backed.</summary>
    public static JsonObject Normalize(JsonObject obj) => JsonNode.Parse(obj.ToJsonString())!.AsObject();
}
