using System.Globalization;
using System.Runtime.InteropServices;
using Fjord.KubeLocal.Node.Api;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Registers the node object as a kubelet does (<c>kubectl get nodes</c> shows it Ready), renews its Ready
/// condition's heartbeat every 30 s through <c>nodes/{name}/status</c>, and marks it not ready on shutdown.
/// Runs on its own task.
/// </summary>
internal sealed partial class NodeRegistration(IKubernetes api, string nodeName, string hostIp, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancel)
    {
        try
        {
            await api.CoreV1.CreateNodeAsync(new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta
                {
                    Name = nodeName,
                    Labels = new Dictionary<string, string>
                    {
                        ["kubernetes.io/hostname"] = nodeName,
                        ["kubernetes.io/os"] = "linux",
                        ["kubernetes.io/arch"] = Architecture,
                    },
                },
                Spec = new V1NodeSpec(),
            }, cancellationToken: cancel);
        }
        catch (Exception e) when (ApiErrors.IsAlreadyExists(e))
        {
            // Registered by an earlier run.
        }
        catch (HttpRequestException e)
        {
            LogStatusFailed(logger, nodeName, e.Message);
        }
        using var timer = new PeriodicTimer(Heartbeat, time);
        do
        {
            await WriteStatusAsync(ready: true, cancel);
        }
        while (await timer.WaitForNextTickAsync(cancel));
    }

    /// <summary>Best effort on shutdown: the node reports NotReady instead of waiting for a node controller.</summary>
    public Task MarkNotReadyAsync() => WriteStatusAsync(ready: false, CancellationToken.None);

    private static string Architecture => RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64";

    private async Task WriteStatusAsync(bool ready, CancellationToken cancel)
    {
        try
        {
            var node = await api.CoreV1.ReadNodeAsync(nodeName, cancellationToken: cancel);
            var now = time.GetUtcNow().UtcDateTime;
            var previous = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            var status = ready ? "True" : "False";
            var capacity = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
                ["memory"] = new($"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024}Ki"),
                ["pods"] = new("110"),
            };
            node.Status = new V1NodeStatus
            {
                Conditions =
                [
                    new V1NodeCondition
                    {
                        Type = "Ready",
                        Status = status,
                        Reason = ready ? "KubeletReady" : "KubeletNotReady",
                        Message = ready ? "kube-local-node is posting ready status" : "kube-local-node stopped",
                        LastHeartbeatTime = now,
                        LastTransitionTime = previous?.Status == status ? previous.LastTransitionTime : now,
                    },
                ],
                Addresses = [new V1NodeAddress { Type = "InternalIP", Address = hostIp }, new V1NodeAddress { Type = "Hostname", Address = nodeName }],
                Capacity = capacity,
                Allocatable = capacity,
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = Architecture,
                    OperatingSystem = "linux",
                    OsImage = RuntimeInformation.OSDescription,
                    KernelVersion = Environment.OSVersion.Version.ToString(),
                    KubeletVersion = "v1.32.0-kube-local",
                    KubeProxyVersion = "",
                    ContainerRuntimeVersion = "kube-local://processes",
                    BootID = "",
                    MachineID = "",
                    SystemUUID = "",
                },
            };
            await api.CoreV1.ReplaceNodeStatusAsync(node, nodeName, cancellationToken: cancel);
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e) || e is HttpRequestException)
        {
            LogStatusFailed(logger, nodeName, e.Message);
        }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "node {Node}: status not written, next heartbeat retries: {Reason}")]
    private static partial void LogStatusFailed(ILogger logger, string node, string reason);
}
