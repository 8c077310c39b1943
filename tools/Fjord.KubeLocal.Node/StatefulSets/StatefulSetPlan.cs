using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>
/// What one StatefulSet sync does: the writes, in order, and the status to write through <c>/status</c>.
/// <paramref name="Waiting"/> says why the plan stopped early (OrderedReady waiting for a pod), or null.
/// </summary>
internal sealed record StatefulSetPlan(IReadOnlyList<StatefulSetAction> Actions, V1StatefulSetStatus Status, string? Waiting);
