using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// The kubelet's pod status from its containers (<c>kubelet_pods.go</c> getPhase and the condition generators):
/// phase Pending until every container has run, Running while any runs or will restart, Succeeded or Failed once
/// all have finished for good; conditions PodScheduled, Initialized, ContainersReady and Ready (with readiness
/// gates), keeping each condition's lastTransitionTime while its status stays. Pure; any thread.
/// </summary>
internal static class PodStatusBuilder
{
    public sealed record ContainerView(V1ContainerStatus Status, bool Finished);

    public static V1PodStatus Build(V1Pod pod, IReadOnlyList<ContainerView> containers, IReadOnlyList<V1ContainerStatus> initContainers,
        bool initialized, bool initFailed, string podIp, string hostIp, DateTime startTime, DateTime now)
    {
        string phase;
        if (initFailed)
        {
            phase = "Failed";
        }
        else if (initialized && containers.Count > 0 && containers.All(c => c.Finished))
        {
            phase = containers.All(c => c.Status.State?.Terminated?.ExitCode == 0) ? "Succeeded" : "Failed";
        }
        else if (initialized && containers.Count > 0 && containers.All(c => HasRun(c.Status)))
        {
            phase = "Running";
        }
        else
        {
            phase = "Pending";
        }

        var unready = containers.Where(c => c.Status.Ready != true).Select(c => c.Status.Name).ToList();
        var gates = (pod.Spec.ReadinessGates ?? []).Select(g => g.ConditionType).ToList();
        var previous = pod.Status?.Conditions ?? [];
        var failedGates = gates.Where(g => previous.FirstOrDefault(c => c.Type == g)?.Status != "True").ToList();
        var done = phase is "Succeeded" or "Failed";
        var containersReady = unready.Count == 0 && !done;
        var ready = containersReady && failedGates.Count == 0;
        var notReadyMessage = $"containers with unready status: [{string.Join(' ', unready)}]";

        var conditions = new List<V1PodCondition>
        {
            Condition(previous, "PodReadyToStartContainers", true, null, null, now),
            Condition(previous, "Initialized", initialized, initialized ? null : "ContainersNotInitialized",
                initialized ? null : "containers with incomplete status: [" + string.Join(' ', initContainers.Where(c => c.State?.Terminated?.ExitCode != 0).Select(c => c.Name)) + "]", now),
            Condition(previous, "Ready", ready,
                ready ? null : done ? "PodCompleted" : unready.Count > 0 ? "ContainersNotReady" : "ReadinessGatesNotReady",
                ready ? null : done ? null : unready.Count > 0 ? notReadyMessage : $"corresponding condition of pod readiness gate \"{failedGates.FirstOrDefault()}\" does not exist.", now),
            Condition(previous, "ContainersReady", containersReady,
                containersReady ? null : done ? "PodCompleted" : "ContainersNotReady", containersReady || done ? null : notReadyMessage, now),
            Condition(previous, "PodScheduled", true, null, null, now),
        };
        // Conditions other controllers or readiness gates own are kept as they are.
        conditions.AddRange(previous.Where(c => conditions.All(k => k.Type != c.Type)));

        return new V1PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp,
            PodIPs = [new V1PodIP { Ip = podIp }],
            StartTime = startTime,
            QosClass = pod.Status?.QosClass ?? "BestEffort",
            InitContainerStatuses = initContainers.Count > 0 ? [.. initContainers] : null,
            ContainerStatuses = [.. containers.Select(c => c.Status)],
        };
    }

    private static bool HasRun(V1ContainerStatus status) =>
        status.State?.Running is not null || status.State?.Terminated is not null || status.RestartCount > 0 || status.LastState?.Terminated is not null;

    private static V1PodCondition Condition(IList<V1PodCondition> previous, string type, bool status, string? reason, string? message, DateTime now)
    {
        var text = status ? "True" : "False";
        var old = previous.FirstOrDefault(c => c.Type == type);
        return new V1PodCondition
        {
            Type = type,
            Status = text,
            Reason = reason,
            Message = message,
            LastProbeTime = null,
            LastTransitionTime = old?.Status == text ? old.LastTransitionTime : now,
        };
    }
}
