using Fjord.Operator.Crds;

namespace Fjord.Operator.Reconciling;

/// <summary>Scaling: scale-out grows the StatefulSet at once; scale-in is guarded, drains the highest ordinals, then shrinks.</summary>
public static partial class FjordClusterReconciler
{
    /// <summary>The replicas the StatefulSet should have now, the admin actions of the scale step, and its status.</summary>
    private sealed record ScalePlan(int StatefulSetReplicas, List<ReconcileAction> Actions, V1Alpha1FjordOperation? Operation,
        ScaleInDecision? Refusal);

    private static ScalePlan PlanScale(ObservedCluster observed, List<RecordEvent> events)
    {
        var target = observed.Cluster.Spec.Replicas;
        var current = observed.StatefulSet?.Spec?.Replicas ?? target;
        var health = observed.Health;
        var actions = new List<ReconcileAction>();

        // Brokers of an earlier, finished scale-in: their pods are gone but the metadata still lists them.
        foreach (var broker in health.Brokers.Where(b => b.Id >= current && b.Id >= target && observed.Pods.All(p => p.Ordinal != b.Id)))
        {
            actions.Add(new UnregisterBroker(broker.Id));
        }

        if (target > current)
        {
            return new ScalePlan(target, actions, Operation(V1Alpha1FjordOperation.TypeScaleOut, "AddingBrokers",
                Enumerable.Range(current, target - current).ToList(), 0, target - current, observed,
                $"adding brokers {current}..{target - 1}"), null);
        }
        if (target == current)
        {
            // Brokers that are not registered yet (first start, a restarted pod) show in Reconciling/WaitingForBrokers.
            return new ScalePlan(target, actions, null, null);
        }
        var registeredBeyondTarget = health.Brokers.Where(b => b.Id >= target && b.Id < current).ToList();

        var decision = ScaleInGuard.Decide(target, health);
        if (!decision.Allowed)
        {
            var previous = ClusterConditions.Find(observed.Cluster.Status?.Conditions, ClusterConditions.Reconciling);
            if (previous?.Reason != decision.Reason)
            {
                events.Add(new RecordEvent(RecordEvent.Warning, decision.Reason!, decision.Message!));
            }
            return new ScalePlan(current, actions, null, decision);
        }

        var removing = Enumerable.Range(target, current - target).ToList();
        var holding = registeredBeyondTarget.Where(b => b.ReplicaCount > 0).ToList();
        if (holding.Count > 0 || health.ReassigningPartitions > 0)
        {
            actions.AddRange(holding.Select(b => new DrainBroker(b.Id)));
            return new ScalePlan(current, actions, Operation(V1Alpha1FjordOperation.TypeScaleIn, "Draining", removing,
                removing.Count - holding.Count, removing.Count, observed,
                $"moving replicas off brokers {string.Join(",", holding.Select(b => b.Id))}"), null);
        }
        events.Add(new RecordEvent(RecordEvent.Normal, "ScaleInDrained",
            $"brokers {string.Join(",", removing)} hold no replicas; shrinking the StatefulSet to {target}"));
        return new ScalePlan(target, actions, Operation(V1Alpha1FjordOperation.TypeScaleIn, "RemovingPods", removing,
            removing.Count, removing.Count, observed, "drained; removing pods, then unregistering the brokers"), null);
    }

    /// <summary>An operation for status, keeping its start time while the same operation continues.</summary>
    private static V1Alpha1FjordOperation Operation(string type, string phase, List<int> brokers, int done, int total,
        ObservedCluster observed, string message)
    {
        var running = observed.Cluster.Status?.Operations?.FirstOrDefault(o => o.Type == type);
        return new V1Alpha1FjordOperation
        {
            Type = type,
            Phase = phase,
            Brokers = brokers,
            Done = done,
            Total = total,
            StartedAt = running?.StartedAt ?? observed.Now,
            Message = message,
        };
    }
}
