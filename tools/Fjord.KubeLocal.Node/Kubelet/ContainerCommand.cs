namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>The host process a container becomes, or why it cannot start (shown as the waiting reason).</summary>
internal sealed record ContainerCommand(string? FileName, IReadOnlyList<string> Arguments, string? Failure)
{
    public static ContainerCommand Fail(string reason) => new(null, [], reason);
}
