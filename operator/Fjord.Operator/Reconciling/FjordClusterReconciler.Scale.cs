using Fjord.Operator.Crds;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// Scaling: scale-out grows the StatefulSet at once and, once the new brokers are registered and unfenced, runs the
/// controller's built-in balancer; scale-in is guarded, drains the highest ordinals with a drain-only balance, removes
/// those that vote in the controller quorum from the voters, then shrinks. The running operation (with its start
/// time) lives in status and the balance in the controller, so a restarted operator resumes either.
/// </summary>
public static partial class FjordClusterReconciler
{
    public const string ReasonBalanceFailed = "BalanceFailed";

    /// <summary>
    /// The replicas the StatefulSet should have now, the admin actions of the scale step, its status, and a failed
    /// balance's message (reported as Degraded).
    /// </summary>
    private sealed record ScalePlan(int StatefulSetReplicas, List<ReconcileAction> Actions, V1Alpha1FjordOperation? Operation,
        ScaleInDecision? Refusal, string? BalanceFailure = null);

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
            // The operation goes into status before the StatefulSet grows: an operator restarted in between would
            // otherwise find the brokers added and no record that they still need a balance.
            var recorded = Running(observed, V1Alpha1FjordOperation.TypeScaleOut) is not null;
            return new ScalePlan(recorded ? target : current, actions, Operation(V1Alpha1FjordOperation.TypeScaleOut, "AddingBrokers",
                Enumerable.Range(current, target - current).ToList(), 0, target - current, observed,
                $"adding brokers {current}..{target - 1}"), null);
        }
        if (target == current)
        {
            // Brokers that are not registered yet (first start, a restarted pod) show in Reconciling/WaitingForBrokers.
            return PlanScaleOutBalance(observed, target, actions, events);
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
            var startedAt = Running(observed, V1Alpha1FjordOperation.TypeScaleIn)?.StartedAt ?? observed.Now;
            var step = BalanceProgress.Next(health.Balance, startedAt, observed.Now);
            // A completed drain whose brokers still hold replicas (a partition created meanwhile) drains again.
            if (holding.Count > 0 && step.Kind is BalanceStepKind.Execute or BalanceStepKind.Completed)
            {
                actions.Add(new ExecuteBalance(removing, DrainOnly: true, Throttle(observed)));
            }
            var failure = BalanceFailure(observed, V1Alpha1FjordOperation.TypeScaleIn, step, events);
            // Progress is partition moves while the drain's balance runs, drained brokers before.
            var running = step.Kind == BalanceStepKind.Running;
            return new ScalePlan(current, actions, Operation(V1Alpha1FjordOperation.TypeScaleIn, failure is null ? "Draining" : "BalanceFailed",
                removing, running ? step.Done : removing.Count - holding.Count, running ? step.Total : removing.Count, observed,
                $"moving replicas off brokers {string.Join(",", holding.Select(b => b.Id))}: {step.Message}"), null, failure);
        }
        // A broker that votes in the controller quorum stops voting before its pod goes: removing pods first could
        // take a majority of the voters away at once (5 → 1 brokers with 5 controllers), and the quorum with it.
        ScalePlan RemovingVoters(string message) => new(current, actions, Operation(V1Alpha1FjordOperation.TypeScaleIn, "RemovingVoters",
            removing, removing.Count, removing.Count, observed, $"drained; {message}"), null);
        if (health.Quorum is not { } quorum)
        {
            return RemovingVoters("waiting for the controller quorum's description (DescribeQuorum)");
        }
        if (removing.Where(quorum.Voters.Contains).OrderDescending().Select(id => (int?)id).FirstOrDefault() is { } voter)
        {
            var change = new ChangeVoter(voter, Add: false);
            actions.Add(change);
            events.Add(VoterChangeEvent(change, observed.Cluster.Spec.Controllers));
            return RemovingVoters($"broker {voter} stops voting in the controller quorum before its pod goes");
        }
        events.Add(new RecordEvent(RecordEvent.Normal, "ScaleInDrained",
            $"brokers {string.Join(",", removing)} hold no replicas; shrinking the StatefulSet to {target}"));
        return new ScalePlan(target, actions, Operation(V1Alpha1FjordOperation.TypeScaleIn, "RemovingPods", removing,
            removing.Count, removing.Count, observed, "drained; removing pods, then unregistering the brokers"), null);
    }

    /// <summary>
    /// After the StatefulSet grew: wait for the new brokers to register unfenced, then run and follow a balance until it
    /// completes. Without a scale-out in status (or with rebalancing off) there is nothing to do.
    /// </summary>
    private static ScalePlan PlanScaleOutBalance(ObservedCluster observed, int replicas, List<ReconcileAction> actions, List<RecordEvent> events)
    {
        if (observed.Cluster.Spec.Rebalance?.Mode == V1Alpha1FjordRebalance.ModeOff)
        {
            return new ScalePlan(replicas, actions, null, null);
        }
        var running = Running(observed, V1Alpha1FjordOperation.TypeScaleOut);
        if (running is null)
        {
            return PlanContinuousBalance(observed, replicas, actions, events);
        }
        var added = running.Brokers ?? [];
        var waiting = added.Where(id => !observed.Health.Brokers.Any(b => b.Id == id && !b.Fenced)).ToList();
        if (waiting.Count > 0)
        {
            return new ScalePlan(replicas, actions, Operation(V1Alpha1FjordOperation.TypeScaleOut, "AddingBrokers", added, 0, added.Count,
                observed, $"waiting for brokers {string.Join(",", waiting)} to register unfenced"), null);
        }
        return FollowBalance(observed, replicas, actions, events, running, added, $"brokers {string.Join(",", added)} added and the cluster balanced");
    }

    /// <summary>Starts, follows and ends the balance of a scale-out or continuous Rebalance operation.</summary>
    private static ScalePlan FollowBalance(ObservedCluster observed, int replicas, List<ReconcileAction> actions, List<RecordEvent> events,
        V1Alpha1FjordOperation running, List<int> brokers, string completed)
    {
        var step = BalanceProgress.Next(observed.Health.Balance, running.StartedAt ?? observed.Now, observed.Now);
        switch (step.Kind)
        {
            case BalanceStepKind.Completed:
                events.Add(new RecordEvent(RecordEvent.Normal, "RebalanceCompleted", $"{completed} ({step.Total} partition moves)"));
                return new ScalePlan(replicas, actions, null, null);
            case BalanceStepKind.Execute:
                actions.Add(new ExecuteBalance([], DrainOnly: false, Throttle(observed)));
                break;
        }
        var failure = BalanceFailure(observed, running.Type, step, events);
        return new ScalePlan(replicas, actions, Operation(running.Type, failure is null ? "Balancing" : "BalanceFailed",
            brokers, step.Done, step.Total, observed, step.Message), null, failure);
    }

    /// <summary>
    /// Continuous mode: a settled cluster whose proposal passes the imbalance threshold gets a Rebalance operation; it
    /// is followed like a scale-out's balance until it completes.
    /// </summary>
    private static ScalePlan PlanContinuousBalance(ObservedCluster observed, int replicas, List<ReconcileAction> actions, List<RecordEvent> events)
    {
        var rebalance = observed.Cluster.Spec.Rebalance;
        var running = Running(observed, V1Alpha1FjordOperation.TypeRebalance);
        if (rebalance?.Mode != V1Alpha1FjordRebalance.ModeContinuous)
        {
            return new ScalePlan(replicas, actions, null, null);
        }
        if (running is null)
        {
            var settled = observed.Health.Healthy && observed.Pods.Count == replicas && observed.Pods.All(p => p.Ready && !p.Terminating);
            if (!settled || observed.Health.Proposal is not { } proposal
                || ImbalanceJudge.Exceeds(proposal, rebalance.ImbalanceThresholdPercent) is not { } imbalance)
            {
                return new ScalePlan(replicas, actions, null, null);
            }
            events.Add(new RecordEvent(RecordEvent.Normal, "RebalanceStarted",
                $"{imbalance} (threshold {rebalance.ImbalanceThresholdPercent}%); moving {proposal.Moves} partitions"));
            actions.Add(new ExecuteBalance([], DrainOnly: false, Throttle(observed)));
            return new ScalePlan(replicas, actions, Operation(V1Alpha1FjordOperation.TypeRebalance, "Balancing", [], 0, proposal.Moves,
                observed, imbalance), null);
        }
        return FollowBalance(observed, replicas, actions, events, running, [], "the cluster is balanced again");
    }

    /// <summary>A failed balance's message, with a Warning Event the first time the operation reports it.</summary>
    private static string? BalanceFailure(ObservedCluster observed, string type, BalanceStep step, List<RecordEvent> events)
    {
        if (step.Kind != BalanceStepKind.Failed)
        {
            return null;
        }
        if (Running(observed, type)?.Phase != "BalanceFailed")
        {
            events.Add(new RecordEvent(RecordEvent.Warning, ReasonBalanceFailed, step.Message));
        }
        return step.Message;
    }

    private static long Throttle(ObservedCluster observed) => observed.Cluster.Spec.Rebalance?.ThrottleBytesPerSecond ?? 0;

    private static V1Alpha1FjordOperation? Running(ObservedCluster observed, string type) =>
        observed.Cluster.Status?.Operations?.FirstOrDefault(o => o.Type == type);

    /// <summary>An operation for status, keeping its start time while the same operation continues.</summary>
    private static V1Alpha1FjordOperation Operation(string type, string phase, List<int> brokers, int done, int total,
        ObservedCluster observed, string message) =>
        new()
        {
            Type = type,
            Phase = phase,
            Brokers = brokers,
            Done = done,
            Total = total,
            StartedAt = Running(observed, type)?.StartedAt ?? observed.Now,
            Message = message,
        };
}
