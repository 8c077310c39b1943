namespace Fjord.KubeLocal.Node.Kubelet;

internal enum ProbeKind
{
    Startup,
    Readiness,
    Liveness,
}
