using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fjord.KubeLocal.Protobuf;
using Fjord.KubeLocal.Resources;
using Fjord.KubeLocal.Semantics;
using Microsoft.AspNetCore.Http;

namespace Fjord.KubeLocal.Api;

/// <summary>
/// The HTTP shell: one catch-all handler that routes Kubernetes API URLs to discovery, OpenAPI and resource
/// handlers and turns <see cref="KubeApiException"/> into <c>metav1.Status</c> answers. Answers are always JSON
/// (clients that prefer protobuf accept JSON). Thread-safe; one instance per server.
/// </summary>
public sealed partial class ApiServer(ObjectWriter writer, TimeProvider time, string stateDirectory, ILogger<ApiServer> logger)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private ResourceCatalog Catalog => writer.Catalog;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context);
        }
        catch (KubeApiException ex)
        {
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, ex.Code, ex.ToStatus());
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a watch or a followed log closed); nothing to answer.
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException or Google.Protobuf.InvalidProtocolBufferException or FormatException or InvalidOperationException)
        {
            LogBadBody(logger, context.Request.Method, context.Request.Path, ex.Message);
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, 400, KubeStatus.Failure(400, "BadRequest", ex.Message));
            }
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value?.TrimEnd('/') ?? "";
        var method = context.Request.Method;
        LogRequest(logger, method, context.Request.Path + context.Request.QueryString.ToString());
        switch (path)
        {
            case "/version":
                await WriteJsonAsync(context, 200, Discovery.Version());
                return;
            case "/healthz" or "/readyz" or "/livez":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok");
                return;
            case "/api":
                await WriteJsonAsync(context, 200, Discovery.CoreVersions());
                return;
            case "/apis":
                await WriteJsonAsync(context, 200, Discovery.Groups(Catalog));
                return;
            case "/api/v1":
                await WriteJsonAsync(context, 200, Discovery.Resources(Catalog, "", "v1"));
                return;
            case "/openapi/v3":
                await WriteJsonAsync(context, 200, OpenApi.Index(Catalog));
                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var document = OpenApi.Document(Catalog, path["/openapi/v3/".Length..]) ?? throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
            await WriteJsonAsync(context, 200, document);
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        string[] rest;
        if (segments is ["api", var coreVersion, .. var coreRest])
        {
            (group, version, rest) = ("", coreVersion, coreRest);
        }
        else if (segments is ["apis", var g] && Catalog.Groups().FirstOrDefault(x => x.Group == g) is { Group: not null } found)
        {
            await WriteJsonAsync(context, 200, Discovery.Group(g, found.Versions));
            return;
        }
        else if (segments is ["apis", var g2, var v2, .. var groupRest])
        {
            (group, version, rest) = (g2, v2, groupRest);
        }
        else
        {
            throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (rest.Length == 0)
        {
            if (!Catalog.All().Any(r => r.Group == group && r.Version == version))
            {
                throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
            }

            await WriteJsonAsync(context, 200, Discovery.Resources(Catalog, group, version));
            return;
        }

        var target = Resolve(group, version, rest);
        await HandleResourceAsync(context, method, target);
    }

    private RequestTarget Resolve(string group, string version, string[] rest)
    {
        string? ns = null;
        if (group.Length == 0 && rest is ["namespaces", _, var third, ..] && third is not ("status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }
        else if (group.Length > 0 && rest is ["namespaces", _, _, ..])
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var type = Catalog.Find(group, version, rest[0])
            ?? throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        if (ns is not null && !type.Namespaced)
        {
            throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? string.Join('/', rest[2..]) : null;
        if (sub is not null && !type.Subresources.Contains(sub))
        {
            throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        }

        return new RequestTarget(type, ns, name, sub);
    }

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact), context.RequestAborted);
    }

    /// <summary>Reads a body as JSON, YAML or protobuf, by Content-Type (parameters such as charset ignored).</summary>
    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var bytes = buffer.ToArray();
        if (bytes.Length == 0)
        {
            return null;
        }

        var mediaType = MediaType(context.Request.ContentType);
        if (mediaType == "application/vnd.kubernetes.protobuf")
        {
            return ProtobufBodies.Decode(bytes);
        }

        var text = Encoding.UTF8.GetString(bytes);
        if (mediaType.EndsWith("yaml", StringComparison.Ordinal) && !text.TrimStart().StartsWith('{'))
        {
            return YamlBodies.Parse(text);
        }

        return JsonNode.Parse(text);
    }

    private static string MediaType(string? contentType) =>
        (contentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Method} {Url}")]
    private static partial void LogRequest(ILogger logger, string method, string url);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Method} {Path}: unreadable body: {Reason}")]
    private static partial void LogBadBody(ILogger logger, string method, string path, string reason);
}
