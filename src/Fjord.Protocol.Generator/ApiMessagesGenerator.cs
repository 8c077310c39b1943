using System.Globalization;

namespace Fjord.Protocol.Generator;

/// <summary>
/// Emits the <c>ApiKey</c> enum and the <c>ApiMessages</c> lookup class from all request/response specs.
/// Stateless.
/// </summary>
internal static class ApiMessagesGenerator
{
    public static string GenerateApiKeyEnum(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis)
    {
        var code = new CodeBuilder();
        FileHeader.Write(code, "every *Request.json");
        code.Line("namespace Fjord.Protocol.Messages;");
        code.Line();
        code.Line("/// <summary>Kafka's API keys, named after their request specs without \"Request\".</summary>");
        code.Open("public enum ApiKey : short");
        foreach (var (request, _) in apis)
        {
            code.Line($"{ApiName(request)} = {request.ApiKey},");
        }

        code.Close();
        return code.ToString();
    }

    public static string GenerateApiMessages(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis)
    {
        var code = new CodeBuilder();
        FileHeader.Write(code, "every *Request.json and *Response.json");
        code.Line("namespace Fjord.Protocol.Messages;");
        code.Line();
        code.Line("/// <summary>");
        code.Line("/// Per-API facts from Kafka's specs: message factories, version ranges and header versions.");
        code.Line("/// Stateless (switches, no reflection) and thread-safe.");
        code.Line("/// </summary>");
        code.Open("public static class ApiMessages");

        code.Line("/// <summary>Every API key with a spec, ascending.</summary>");
        code.Line("public static IReadOnlyList<short> AllApiKeys { get; } = Array.AsReadOnly(new short[]");
        code.Open();
        foreach (var (request, _) in apis)
        {
            code.Line($"{request.ApiKey},");
        }

        code.Close(");");
        code.Line();

        EmitFactory(code, apis, "IRequestMessage", "CreateRequest", pair => pair.Request);
        code.Line();
        EmitFactory(code, apis, "IResponseMessage", "CreateResponse", pair => pair.Response);
        code.Line();

        code.Line("/// <summary>The spec's validVersions for <paramref name=\"apiKey\"/>; false for an unknown key.</summary>");
        code.Open("public static bool TryGetVersionRange(short apiKey, out short lowest, out short highest)");
        code.Open("switch (apiKey)");
        foreach (var (request, _) in apis)
        {
            code.Line($"case {request.ApiKey}:");
            code.Line($"    lowest = {request.Name}.LowestSupportedVersion;");
            code.Line($"    highest = {request.Name}.HighestSupportedVersion;");
            code.Line("    return true;");
        }

        code.Line("default:");
        code.Line("    lowest = -1;");
        code.Line("    highest = -1;");
        code.Line("    return false;");
        code.Close();
        code.Close();
        code.Line();

        code.Line("/// <summary>");
        code.Line("/// The version from which <paramref name=\"apiKey\"/> uses the flexible (KIP-482) encoding;");
        code.Line("/// <see cref=\"short.MaxValue\"/> if never, or for an unknown key.");
        code.Line("/// </summary>");
        code.Line("public static short LowestFlexibleVersion(short apiKey) => apiKey switch");
        code.Open();
        foreach (var (request, _) in apis)
        {
            code.Line($"{request.ApiKey} => {request.Name}.LowestFlexibleVersion,");
        }

        code.Line("_ => short.MaxValue,");
        code.Close(";");
        code.Line();

        code.Line("/// <summary>True if <paramref name=\"apiVersion\"/> of <paramref name=\"apiKey\"/> uses the flexible encoding.</summary>");
        code.Line("public static bool IsFlexible(short apiKey, short apiVersion) => apiVersion >= LowestFlexibleVersion(apiKey);");
        code.Line();

        code.Line("/// <summary>");
        code.Line("/// The request header version: 2 for flexible versions, else 1; ControlledShutdown v0 uses header v0");
        code.Line("/// (no ClientId). An unknown key gets 1, whose ClientId any client can still be identified by.");
        code.Line("/// </summary>");
        code.Open("public static short RequestHeaderVersion(short apiKey, short apiVersion)");
        code.Open($"if (apiKey == {ControlledShutdownKey(apis)} && apiVersion == 0)");
        code.Line("return 0;");
        code.Close();
        code.Line();
        code.Line("return IsFlexible(apiKey, apiVersion) ? (short)2 : (short)1;");
        code.Close();
        code.Line();

        code.Line("/// <summary>");
        code.Line("/// The response header version: 1 for flexible versions, else 0. ApiVersions responses always use v0,");
        code.Line("/// so a client that does not yet know our versions can read the correlation id (KIP-511).");
        code.Line("/// </summary>");
        code.Open("public static short ResponseHeaderVersion(short apiKey, short apiVersion)");
        code.Open($"if (apiKey == {ApiVersionsKey(apis)})");
        code.Line("return 0;");
        code.Close();
        code.Line();
        code.Line("return IsFlexible(apiKey, apiVersion) ? (short)1 : (short)0;");
        code.Close();

        code.Close();
        return code.ToString();
    }

    public static string ApiName(MessageSpec request) =>
        request.Name.EndsWith("Request", StringComparison.Ordinal)
            ? request.Name[..^"Request".Length]
            : throw new FormatException($"request spec {request.Name} does not end in Request");

    private static void EmitFactory(
        CodeBuilder code,
        IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis,
        string type,
        string method,
        Func<(MessageSpec Request, MessageSpec Response), MessageSpec> pick)
    {
        code.Line($"/// <summary>A new, default-valued message for <paramref name=\"apiKey\"/>; null for an unknown key.</summary>");
        code.Line($"public static {type}? {method}(short apiKey) => apiKey switch");
        code.Open();
        foreach (var pair in apis)
        {
            code.Line($"{pair.Request.ApiKey} => new {pick(pair).Name}(),");
        }

        code.Line("_ => null,");
        code.Close(";");
    }

    private static string ControlledShutdownKey(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis) =>
        KeyOf(apis, "ControlledShutdownRequest");

    private static string ApiVersionsKey(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis) =>
        KeyOf(apis, "ApiVersionsRequest");

    private static string KeyOf(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis, string name)
    {
        foreach (var (request, _) in apis)
        {
            if (request.Name == name)
            {
                return request.ApiKey!.Value.ToString(CultureInfo.InvariantCulture);
            }
        }

        throw new FormatException($"no spec named {name}");
    }
}
