using System.Collections.Concurrent;
using Fjord.KubeLocal.Tests.Harness;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Fjord.KubeLocal.Tests;

/// <summary>
/// The list+watch loop of KubernetesClient 21 (what the operator runs) against kube-local: a watch from a
/// resourceVersion older than the event history gets 410 Expired, and a re-list plus a new watch carries on.
/// </summary>
public sealed class KubernetesClientWatchTests : IDisposable
{
    private readonly KubeLocalServer _server = new("--watch-history", "20");

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ListWatch_FromExpiredResourceVersion_Gets410_ThenRelistAndWatchSeesLaterEvents()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.Kubeconfig));
        var first = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        for (var i = 0; i < 40; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } }, "default");
        }

        var errors = new ConcurrentQueue<Exception>();
        var closed = new TaskCompletionSource();
        using (var expired = client.CoreV1.WatchListNamespacedConfigMap("default", resourceVersion: first.Metadata.ResourceVersion,
            onEvent: (_, _) => { }, onError: errors.Enqueue, onClosed: () => closed.TrySetResult()))
        {
            Eventually.True(() => !errors.IsEmpty, TimeSpan.FromSeconds(30), "no error for a watch from an expired resourceVersion");
        }

        var gone = Assert.IsType<KubernetesException>(errors.First());
        Assert.Equal(410, gone.Status.Code);
        Assert.Equal("Expired", gone.Status.Reason);

        var relisted = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(40, relisted.Items.Count(c => c.Metadata.Name.StartsWith("cm-", StringComparison.Ordinal)));
        var seen = new ConcurrentQueue<(WatchEventType Type, string Name)>();
        using var watcher = client.CoreV1.WatchListNamespacedConfigMap("default", resourceVersion: relisted.Metadata.ResourceVersion, allowWatchBookmarks: true,
            onEvent: (type, cm) => seen.Enqueue((type, cm.Metadata.Name)), onError: errors.Enqueue);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, "default");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "after", "default");
        await client.CoreV1.DeleteNamespacedConfigMapAsync("after", "default");
        Eventually.True(() => seen.Count(e => e.Name == "after") >= 3, TimeSpan.FromSeconds(30), () => $"events seen: {string.Join(", ", seen)}");
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], seen.Where(e => e.Name == "after").Select(e => e.Type));
        Assert.DoesNotContain(seen, e => e.Name.StartsWith("cm-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LeaseUpdate_WithStaleResourceVersion_IsConflict()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.Kubeconfig));
        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "leader" }, Spec = new V1LeaseSpec { HolderIdentity = "a", RenewTime = DateTime.UtcNow } }, "default");
        lease.Spec.HolderIdentity = "b";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", "default");
        lease.Spec.HolderIdentity = "c";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", "default"));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("b", (await client.CoordinationV1.ReadNamespacedLeaseAsync("leader", "default")).Spec.HolderIdentity);
    }
}
