using Fjord.KubeLocal.Node.Kubelet;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class PodStatusBuilderTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns" },
        Spec = new V1PodSpec { Containers = [] },
    };

    private static PodStatusBuilder.ContainerView Running(string name, bool ready) => new(new V1ContainerStatus
    {
        Name = name,
        Ready = ready,
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Now } },
    }, false);

    private static PodStatusBuilder.ContainerView Waiting(string name, int restarts = 0) => new(new V1ContainerStatus
    {
        Name = name,
        RestartCount = restarts,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
    }, false);

    private static PodStatusBuilder.ContainerView Exited(string name, int code) => new(new V1ContainerStatus
    {
        Name = name,
        State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code } },
    }, true);

    private static V1PodStatus Build(V1Pod pod, params PodStatusBuilder.ContainerView[] containers) =>
        PodStatusBuilder.Build(pod, containers, [], initialized: true, initFailed: false, "127.244.0.2", "127.0.0.1", Now, Now);

    private static string Condition(V1PodStatus status, string type) => status.Conditions.Single(c => c.Type == type).Status;

    [Fact]
    public void AllReady_IsRunningAndReadyWithThePodIp()
    {
        var status = Build(Pod(), Running("a", true), Running("b", true));

        Assert.Equal("Running", status.Phase);
        Assert.Equal(("True", "True", "True", "True"), (Condition(status, "Ready"), Condition(status, "ContainersReady"), Condition(status, "Initialized"), Condition(status, "PodScheduled")));
        Assert.Equal("127.244.0.2", status.PodIP);
        Assert.Equal("127.244.0.2", Assert.Single(status.PodIPs).Ip);
        Assert.Equal("127.0.0.1", status.HostIP);
    }

    [Fact]
    public void OneContainerNotReady_IsRunningButNotReady()
    {
        var status = Build(Pod(), Running("a", true), Running("b", false));

        Assert.Equal("Running", status.Phase);
        var ready = status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("False", "ContainersNotReady", "containers with unready status: [b]"), (ready.Status, ready.Reason, ready.Message));
    }

    [Fact]
    public void ContainerNeverStarted_IsPending_ButARestartingOneIsRunning()
    {
        Assert.Equal("Pending", Build(Pod(), Running("a", true), Waiting("b")).Phase);
        Assert.Equal("Running", Build(Pod(), Running("a", true), Waiting("b", restarts: 2)).Phase);
    }

    [Fact]
    public void AllFinished_IsSucceededOnlyWhenEveryExitCodeIsZero()
    {
        Assert.Equal("Succeeded", Build(Pod(), Exited("a", 0), Exited("b", 0)).Phase);
        var failed = Build(Pod(), Exited("a", 0), Exited("b", 2));
        Assert.Equal("Failed", failed.Phase);
        Assert.Equal("PodCompleted", failed.Conditions.Single(c => c.Type == "Ready").Reason);
    }

    [Fact]
    public void NotInitialized_IsPending_AndAFailedInitFailsThePod()
    {
        var pending = PodStatusBuilder.Build(Pod(), [Waiting("a")], [new V1ContainerStatus { Name = "init" }], initialized: false, initFailed: false, "127.244.0.2", "127.0.0.1", Now, Now);
        Assert.Equal(("Pending", "False"), (pending.Phase, Condition(pending, "Initialized")));

        var failed = PodStatusBuilder.Build(Pod(), [Waiting("a")], [], initialized: false, initFailed: true, "127.244.0.2", "127.0.0.1", Now, Now);
        Assert.Equal("Failed", failed.Phase);
    }

    [Fact]
    public void ReadinessGate_HoldsReadyUntilItsConditionIsTrue()
    {
        var pod = Pod();
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "example.com/ok" }];

        Assert.Equal("False", Condition(Build(pod, Running("a", true)), "Ready"));

        pod.Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "example.com/ok", Status = "True" }] };
        var status = Build(pod, Running("a", true));
        Assert.Equal("True", Condition(status, "Ready"));
        Assert.Equal("True", Condition(status, "example.com/ok"));
    }

    [Fact]
    public void Conditions_KeepTheirTransitionTimeWhileUnchanged()
    {
        var pod = Pod();
        pod.Status = Build(pod, Running("a", true));

        var later = PodStatusBuilder.Build(pod, [Running("a", true)], [], true, false, "127.244.0.2", "127.0.0.1", Now, Now.AddMinutes(1));

        Assert.All(later.Conditions, c => Assert.Equal(Now, c.LastTransitionTime));
        var notReady = PodStatusBuilder.Build(pod, [Running("a", false)], [], true, false, "127.244.0.2", "127.0.0.1", Now, Now.AddMinutes(1));
        Assert.Equal(Now.AddMinutes(1), notReady.Conditions.Single(c => c.Type == "Ready").LastTransitionTime);
    }
}
