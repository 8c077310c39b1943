using Fjord.KubeLocal.Node.Workloads;
using k8s;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>
/// How every controller writes status: only when it changed (so a status write's own watch event does not start an
/// endless write-watch-write loop), through the <c>/status</c> subresource, on a copy of the cached object carrying
/// its resourceVersion, so a stale cache gets 409 and the key is synced again shortly.
/// </summary>
internal static class StatusUpdate
{
    public static readonly TimeSpan ConflictRetry = TimeSpan.FromMilliseconds(200);

    public static bool Same<T>(T? observed, T computed) where T : class =>
        observed is not null && KubernetesJson.Serialize(observed) == KubernetesJson.Serialize(computed);

    /// <summary>Writes <paramref name="computed"/> unless equal to <paramref name="current"/>; returns a retry delay on 409/404.</summary>
    public static async Task<TimeSpan?> WriteIfChangedAsync<TObject, TStatus>(TObject observed, TStatus? current, TStatus computed,
        Action<TObject, TStatus> setStatus, Func<TObject, Task> replaceStatus)
        where TStatus : class
    {
        if (Same(current, computed))
        {
            return null;
        }
        var updated = ObjectCopy.Clone(observed);
        setStatus(updated, computed);
        try
        {
            await replaceStatus(updated);
            return null;
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return ConflictRetry;
        }
    }
}
