namespace Fjord.KubeLocal.Semantics;

/// <summary>A DELETE's options (<c>meta/v1 DeleteOptions</c> from the body or the query string).</summary>
public sealed record DeleteRequest(string? PropagationPolicy, long? GracePeriodSeconds, string? PreconditionUid, string? PreconditionResourceVersion)
{
    public static readonly DeleteRequest Background = new("Background", null, null, null);
}
