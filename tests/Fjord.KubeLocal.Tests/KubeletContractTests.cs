using System.Collections.Concurrent;
using Fjord.KubeLocal.Tests.Harness;
using k8s;
using k8s.Models;

namespace Fjord.KubeLocal.Tests;

/// <summary>
/// The requests a kubelet makes, through KubernetesClient as the process kubelet does: watch its pods by
/// spec.nodeName, bind, write status through /status, and finish a graceful deletion with gracePeriodSeconds=0.
/// </summary>
public sealed class KubeletContractTests : IDisposable
{
    private readonly KubeLocalServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task BindStatusAndGracefulDelete_FollowTheKubeletProtocol()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.Kubeconfig));
        var mine = new ConcurrentQueue<(WatchEventType Type, string Name, bool Deleting)>();
        using var watcher = client.CoreV1.WatchListPodForAllNamespaces(fieldSelector: "spec.nodeName=node-1",
            onEvent: (type, pod) => mine.Enqueue((type, pod.Metadata.Name, pod.Metadata.DeletionTimestamp is not null)));
        var pod = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p1" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox", Command = ["sleep", "1000"] }] },
        }, "default");
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal(30, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("Always", pod.Spec.RestartPolicy);

        await client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = "p1" },
            Target = new V1ObjectReference { Kind = "Node", Name = "node-1" },
        }, "p1", "default");
        Eventually.True(() => mine.Any(e => e is { Type: WatchEventType.Added, Name: "p1" }), TimeSpan.FromSeconds(30), () => $"watch by spec.nodeName saw: {string.Join(", ", mine)}");

        var bound = await client.CoreV1.ReadNamespacedPodAsync("p1", "default");
        var moved = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"spec":{"nodeName":"node-2"}}""", V1Patch.PatchType.MergePatch), "p1", "default"));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, moved.Response.StatusCode);
        Assert.Equal("node-1", bound.Spec.NodeName);
        bound.Status.Phase = "Running";
        bound.Status.PodIP = "127.0.10.1";
        bound.Spec.NodeName = "ignored-on-status-writes";
        var running = await client.CoreV1.ReplaceNamespacedPodStatusAsync(bound, "p1", "default");
        Assert.Equal(("Running", "node-1"), (running.Status.Phase, running.Spec.NodeName));

        var deleting = await client.CoreV1.DeleteNamespacedPodAsync("p1", "default");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);
        Eventually.True(() => mine.Any(e => e is { Type: WatchEventType.Modified, Name: "p1", Deleting: true }), TimeSpan.FromSeconds(30), () => $"saw: {string.Join(", ", mine)}");

        await client.CoreV1.DeleteNamespacedPodAsync("p1", "default", new V1DeleteOptions { GracePeriodSeconds = 0 });
        Eventually.True(() => mine.Any(e => e is { Type: WatchEventType.Deleted, Name: "p1" }), TimeSpan.FromSeconds(30), () => $"saw: {string.Join(", ", mine)}");
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync("default")).Items);
    }
}
