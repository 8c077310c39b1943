using System.Net;
using k8s.Autorest;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>Classifies API answers the controllers treat as normal outcomes rather than failures.</summary>
internal static class ApiErrors
{
    public static bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };

    public static bool IsNotFound(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    /// <summary>409 with reason AlreadyExists on create (a stale cache re-creating what exists).</summary>
    public static bool IsAlreadyExists(Exception e) =>
        e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } h && (h.Response.Content?.Contains("AlreadyExists", StringComparison.Ordinal) ?? false);
}
