using k8s;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>
/// Controllers write status only when it changed, so a status write's own watch event does not start an endless
/// write-watch-write loop. Compares the JSON forms. Pure; any thread.
/// </summary>
internal static class StatusComparison
{
    public static bool Same<T>(T? observed, T computed) where T : class =>
        observed is not null && KubernetesJson.Serialize(observed) == KubernetesJson.Serialize(computed);
}
