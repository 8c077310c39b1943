namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>Whether an exited container starts again, by the pod's <c>restartPolicy</c>. Pure; any thread.</summary>
internal static class RestartDecision
{
    public static bool ShouldRestart(string? restartPolicy, int exitCode) => restartPolicy switch
    {
        "Never" => false,
        "OnFailure" => exitCode != 0,
        _ => true,
    };
}
