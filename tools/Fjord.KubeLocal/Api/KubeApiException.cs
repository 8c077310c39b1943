using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// A request the API server refuses, answered as a <c>metav1.Status</c> with the HTTP code and the reason
/// clients branch on (client-go's <c>IsNotFound</c>, <c>IsAlreadyExists</c>, <c>IsConflict</c> check the reason).
/// </summary>
public sealed class KubeApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public static KubeApiException NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{Qualified(group, plural)} \"{name}\" not found", DetailsOf(group, plural, name));

    public static KubeApiException AlreadyExists(string group, string plural, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, plural)} \"{name}\" already exists", DetailsOf(group, plural, name));

    public static KubeApiException Conflict(string group, string plural, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, plural)} \"{name}\": {why}", DetailsOf(group, plural, name));

    public static KubeApiException Invalid(string kind, string group, string name, IReadOnlyList<(string Field, string Message)> causes)
    {
        var details = new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = kind };
        var list = new JsonArray();
        foreach (var (field, message) in causes)
        {
            list.Add(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = message, ["field"] = field });
        }

        details["causes"] = list;
        var text = string.Join(", ", causes.Select(c => string.IsNullOrEmpty(c.Field) ? c.Message : $"{c.Field}: {c.Message}"));
        return new(422, "Invalid", $"{kind}{(group.Length > 0 ? "." + group : "")} \"{name}\" is invalid: {text}", details);
    }

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static KubeApiException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static KubeApiException Gone(string message) => new(410, "Expired", message);

    public static KubeApiException Forbidden(string message) => new(403, "Forbidden", message);

    public JsonObject ToStatus() => KubeStatus.Failure(Code, Reason, Message, Details);

    private static string Qualified(string group, string plural) => group.Length == 0 ? plural : $"{plural}.{group}";

    private static JsonObject DetailsOf(string group, string plural, string name) =>
        new() { ["name"] = name, ["group"] = group, ["kind"] = plural };
}
