using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;

namespace Fjord.Operator.Reconciling;

/// <summary>Status: what the user reads in <c>kubectl get fc</c> and <c>kubectl wait --for=condition=Ready</c>.</summary>
public static partial class FjordClusterReconciler
{
    private static V1Alpha1FjordClusterStatus Status(ObservedCluster observed, ScalePlan scale, RollingDecision rolling,
        V1Alpha1FjordOperation? voters, bool objectsChanging)
    {
        var cluster = observed.Cluster;
        var spec = cluster.Spec;
        var health = observed.Health;
        var generation = cluster.Metadata.Generation;
        var names = new ClusterNames(cluster.Metadata.Name, cluster.Metadata.NamespaceProperty ?? "default");

        var brokers = Enumerable.Range(0, Math.Max(spec.Replicas, scale.StatefulSetReplicas)).Select(id =>
        {
            var pod = observed.Pods.FirstOrDefault(p => p.Ordinal == id);
            var broker = health.Brokers.FirstOrDefault(b => b.Id == id);
            var draining = scale.Operation is { Type: V1Alpha1FjordOperation.TypeScaleIn } op && op.Brokers!.Contains(id);
            return new V1Alpha1FjordBrokerStatus
            {
                Id = id,
                Pod = pod?.Name,
                State = broker is null ? V1Alpha1FjordBrokerStatus.StatePending
                    : draining ? V1Alpha1FjordBrokerStatus.StateDraining
                    : broker.Fenced ? V1Alpha1FjordBrokerStatus.StateFenced
                    : V1Alpha1FjordBrokerStatus.StateActive,
                Leaders = broker?.LeaderCount,
                Replicas = broker?.ReplicaCount,
            };
        }).ToList();
        var readyBrokers = observed.Pods.Count(p => p.Ready && !p.Terminating
            && health.Brokers.Any(b => b.Id == p.Ordinal && !b.Fenced));

        var operations = new List<V1Alpha1FjordOperation>();
        if (scale.Operation is { } scaling)
        {
            operations.Add(scaling);
        }
        if (rolling.Kind != RollingDecisionKind.Done && rolling.Outdated > 0)
        {
            var running = cluster.Status?.Operations?.FirstOrDefault(o => o.Type == V1Alpha1FjordOperation.TypeRollingUpdate);
            operations.Add(new V1Alpha1FjordOperation
            {
                Type = V1Alpha1FjordOperation.TypeRollingUpdate,
                Phase = rolling.Reason,
                Brokers = rolling.Ordinal >= 0 ? [rolling.Ordinal] : null,
                Done = scale.StatefulSetReplicas - rolling.Outdated,
                Total = scale.StatefulSetReplicas,
                StartedAt = running?.StartedAt ?? observed.Now,
                Message = $"{rolling.Outdated} pod(s) still on the previous template",
            });
        }

        if (voters is not null)
        {
            operations.Add(voters);
        }

        var allReady = readyBrokers == spec.Replicas && scale.StatefulSetReplicas == spec.Replicas;
        var readyMessage = $"{readyBrokers} of {spec.Replicas} brokers ready"
            + (scale.StatefulSetReplicas != spec.Replicas ? $" ({scale.StatefulSetReplicas} running until the scale completes)" : "");
        var ready = !health.Reachable
            ? ClusterConditions.Make(ClusterConditions.Ready, false, ClusterConditions.ReasonClusterUnreachable,
                "no broker answered the admin DescribeCluster call", generation)
            : allReady
                ? ClusterConditions.Make(ClusterConditions.Ready, true, ClusterConditions.ReasonAllBrokersReady, readyMessage, generation)
                : ClusterConditions.Make(ClusterConditions.Ready, false, ClusterConditions.ReasonBrokersNotReady, readyMessage, generation);

        var reconciling = scale.Refusal is { } refusal
            ? ClusterConditions.Make(ClusterConditions.Reconciling, false, refusal.Reason!, refusal.Message!, generation)
            : observed.StatefulSet is null
                ? ClusterConditions.Make(ClusterConditions.Reconciling, true, ClusterConditions.ReasonCreating, "creating the brokers", generation)
                : scale.Operation is { } op
                    ? ClusterConditions.Make(ClusterConditions.Reconciling, true,
                        op.Type switch
                        {
                            V1Alpha1FjordOperation.TypeScaleIn => ClusterConditions.ReasonScalingIn,
                            V1Alpha1FjordOperation.TypeRebalance => ClusterConditions.ReasonRebalancing,
                            _ => ClusterConditions.ReasonScalingOut,
                        },
                        op.Message!, generation)
                    : rolling.Kind != RollingDecisionKind.Done
                        ? ClusterConditions.Make(ClusterConditions.Reconciling, true, ClusterConditions.ReasonRollingUpdate,
                            $"{rolling.Reason}: {rolling.Outdated} pod(s) outdated", generation)
                        : voters is not null
                            ? ClusterConditions.Make(ClusterConditions.Reconciling, true, ClusterConditions.ReasonChangingVoters, voters.Message!, generation)
                        : objectsChanging
                            ? ClusterConditions.Make(ClusterConditions.Reconciling, true, ClusterConditions.ReasonApplyingChanges,
                                "applying the spec to owned objects and the cluster", generation)
                            : !allReady || !health.Reachable
                                ? ClusterConditions.Make(ClusterConditions.Reconciling, true, ClusterConditions.ReasonWaitingForBrokers,
                                    $"{readyBrokers}/{spec.Replicas} brokers ready and registered", generation)
                                : ClusterConditions.Make(ClusterConditions.Reconciling, false, ClusterConditions.ReasonReconciled,
                                    "the spec is applied", generation);

        var degraded = !health.Reachable
            ? ClusterConditions.Make(ClusterConditions.Degraded, null, ClusterConditions.ReasonClusterUnreachable,
                "cluster health unknown", generation)
            : health.ControllerId < 0
                ? ClusterConditions.Make(ClusterConditions.Degraded, null, ClusterConditions.ReasonNoController,
                    "the controller quorum has no leader", generation)
            : health.OfflinePartitions > 0
                ? ClusterConditions.Make(ClusterConditions.Degraded, true, ClusterConditions.ReasonOfflinePartitions,
                    $"{health.OfflinePartitions} partition(s) have no leader", generation)
                : health.UnderReplicatedPartitions > 0
                    ? ClusterConditions.Make(ClusterConditions.Degraded, true, ClusterConditions.ReasonUnderReplicated,
                        $"{health.UnderReplicatedPartitions} partition(s) under-replicated", generation)
                    : scale.BalanceFailure is { } failure
                        ? ClusterConditions.Make(ClusterConditions.Degraded, true, ReasonBalanceFailed, failure, generation)
                    : ClusterConditions.Make(ClusterConditions.Degraded, false, ClusterConditions.ReasonHealthy,
                        "every partition has a leader and a full ISR", generation);

        return new V1Alpha1FjordClusterStatus
        {
            Conditions = ClusterConditions.Merge(cluster.Status?.Conditions, [ready, reconciling, degraded], observed.Now),
            ObservedGeneration = generation,
            Replicas = observed.Pods.Count,
            LabelSelector = ClusterLabels.SelectorString(names.Cluster),
            ReadyBrokers = readyBrokers,
            Brokers = brokers,
            ControllerId = health.Reachable ? health.ControllerId : -1,
            Voters = health.Quorum is { } quorum ? quorum.Voters.Order().ToList()
                : cluster.Status?.Voters ?? Enumerable.Range(0, ClusterObjectsPlanner.BootstrapControllers(cluster)).ToList(),
            BootstrapControllers = ClusterObjectsPlanner.BootstrapControllers(cluster),
            UnderReplicatedPartitions = health.Reachable ? health.UnderReplicatedPartitions : null,
            OfflinePartitions = health.Reachable ? health.OfflinePartitions : null,
            Listeners = [new V1Alpha1FjordListenerStatus { Name = "internal", BootstrapServers = $"{names.BootstrapHost}:{BrokerPorts.Kafka}" }],
            Operations = operations.Count > 0 ? operations : null,
        };
    }
}
