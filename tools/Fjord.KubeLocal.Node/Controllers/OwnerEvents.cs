using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>Routes a dependent's change to its controller's queue (client-go's enqueue-owner handler).</summary>
internal static class OwnerEvents
{
    public static Action<T?, T?> EnqueueOwner<T>(WorkQueue queue, string ownerKind) where T : class, IKubernetesObject<V1ObjectMeta> =>
        (old, now) =>
        {
            foreach (var obj in new[] { old, now })
            {
                if (obj is not null && PodState.ControllerOf(obj) is { } owner && owner.Kind == ownerKind)
                {
                    queue.Add(ObjectKey.Of(obj.Metadata.NamespaceProperty, owner.Name));
                }
            }
        };

    public static Action<T?, T?> EnqueueSelf<T>(WorkQueue queue) where T : class, IKubernetesObject<V1ObjectMeta> =>
        (old, now) => queue.Add(ObjectKey.Of((now ?? old)!));
}
