namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Where a pod lives on disk under the node's state dir: <c>pods/&lt;ns&gt;/&lt;pod&gt;/</c> holds each container's
/// <c>&lt;container&gt;.log</c> (and <c>&lt;container&gt;.previous.log</c> after a restart) (the API server serves <c>kubectl logs</c> from it), the working directory
/// <c>root/</c> and the pod's own volumes (<c>volumes/&lt;name&gt;</c>: emptyDir, configMap, secret); claims live in
/// <c>volumes/&lt;ns&gt;/&lt;claim&gt;</c> and outlive pods. Pure; any thread.
/// </summary>
internal sealed record PodDirectories(string StateDir, string Namespace, string Pod)
{
    public string PodDir => Path.Combine(StateDir, "pods", Namespace, Pod);

    public string WorkingDirectory => Path.Combine(PodDir, "root");

    public string LogPath(string container) => Path.Combine(PodDir, $"{container}.log");

    /// <summary>The last instance's log once a container restarted (<c>kubectl logs --previous</c>).</summary>
    public static string PreviousLogPath(string logPath) => Path.ChangeExtension(logPath, ".previous.log");

    public string PodVolume(string volume) => Path.Combine(PodDir, "volumes", volume);

    public string Claim(string claim) => ClaimDirectory(StateDir, Namespace, claim);

    /// <summary>A claim's data, shared by every pod that mounts it and removed when the claim is deleted.</summary>
    public static string ClaimDirectory(string stateDir, string ns, string claim) => Path.Combine(stateDir, "volumes", ns, claim);

    /// <summary>
    /// Beside the claim's directory (not inside it, where the pod would see it): the UID of the claim that directory
    /// belongs to, so a new claim of the same name never inherits an old one's data.
    /// </summary>
    public static string ClaimOwnerFile(string stateDir, string ns, string claim) => Path.Combine(stateDir, "volumes", ns, $".{claim}.uid");
}
