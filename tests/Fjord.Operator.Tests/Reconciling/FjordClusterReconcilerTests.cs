using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using Fjord.Operator.Reconciling;
using Fjord.Operator.Tests.DesiredState;
using k8s.Models;

namespace Fjord.Operator.Tests.Reconciling;

public class FjordClusterReconcilerTests
{
    private const string Revision = "orders-abc";
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private static readonly ObservedCapabilities s_noMonitoring = new(false);

    private static ObservedCluster Fresh(V1Alpha1FjordCluster cluster) =>
        new(cluster, s_noMonitoring, null, null, null, null, null, false, [], ObservedClusterHealth.Unreachable, s_now);

    /// <summary>The state after the operator applied a plan for <paramref name="cluster"/> and every pod came up on it.</summary>
    private static ObservedCluster Settled(V1Alpha1FjordCluster cluster, int? brokersOverride = null)
    {
        var plan = FjordClusterReconciler.Plan(Fresh(cluster));
        T Applied<T>() => (T)plan.Actions.OfType<ApplyObject>().Single(a => a.Object is T).Object;
        var set = Applied<V1StatefulSet>();
        set.Metadata.Generation = 1;
        set.Status = new V1StatefulSetStatus { ObservedGeneration = 1, UpdateRevision = Revision };
        var brokers = brokersOverride ?? cluster.Spec.Replicas;
        var pods = Enumerable.Range(0, brokers).Select(i => new ObservedPod($"orders-{i}", i, true, false, Revision)).ToList();
        return new ObservedCluster(cluster, s_noMonitoring, Applied<V1ConfigMap>(),
            plan.Actions.OfType<ApplyObject>().Where(a => a.Object is V1Service).Select(a => (V1Service)a.Object).First(),
            plan.Actions.OfType<ApplyObject>().Where(a => a.Object is V1Service).Select(a => (V1Service)a.Object).Last(),
            set, Applied<V1PodDisruptionBudget>(), false, pods, RollingUpdatePlannerTests.Healthy(0, brokers), s_now);
    }

    private static V1Alpha1FjordCluster Cluster(Action<V1Alpha1FjordClusterSpec>? configure = null) =>
        ClusterObjectsPlannerTests.Cluster(configure);

    private static V1Alpha1FjordCondition Condition(ReconcilePlan plan, string type) =>
        plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Conditions!.Single(c => c.Type == type);

    [Fact]
    public void Plan_NewCluster_CreatesEveryObjectAndReportsCreating()
    {
        var plan = FjordClusterReconciler.Plan(Fresh(Cluster()));

        Assert.Equal(["ConfigMap", "Service", "Service", "StatefulSet", "PodDisruptionBudget"],
            plan.Actions.OfType<ApplyObject>().Select(a => a.Kind));
        Assert.Equal(("True", ClusterConditions.ReasonCreating), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
        Assert.Equal(("False", ClusterConditions.ReasonClusterUnreachable), (Condition(plan, "Ready").Status, Condition(plan, "Ready").Reason));
        Assert.Equal("Unknown", Condition(plan, "Degraded").Status);
        Assert.Equal(4, plan.Actions.OfType<UpdateClusterStatus>().Single().Status.ObservedGeneration);
        Assert.Equal(FjordClusterReconciler.ProgressRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_EverythingApplied_IsReadyAndSecondRunDoesNothing()
    {
        var observed = Settled(Cluster());

        var plan = FjordClusterReconciler.Plan(observed);
        var status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        observed.Cluster.Status = status;
        var again = FjordClusterReconciler.Plan(observed);

        Assert.Single(plan.Actions);
        Assert.Equal(("True", ClusterConditions.ReasonAllBrokersReady), (Condition(plan, "Ready").Status, Condition(plan, "Ready").Reason));
        Assert.Equal(("False", ClusterConditions.ReasonReconciled), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
        Assert.Equal("False", Condition(plan, "Degraded").Status);
        Assert.Equal((3, 3, 0, "orders-bootstrap.kafka.svc:9092"), (status.ReadyBrokers, status.Replicas, status.ControllerId, status.Listeners![0].BootstrapServers));
        Assert.Equal([0, 1, 2], status.Voters);
        Assert.Equal("app.kubernetes.io/component=broker,app.kubernetes.io/instance=orders,app.kubernetes.io/name=fjord", status.LabelSelector);
        Assert.Empty(again.Actions);
        Assert.Equal(FjordClusterReconciler.SteadyRequeue, again.RequeueAfter);
    }

    [Fact]
    public void Plan_ControllersRaised_AddsOneCaughtUpObserverAsVoter_WithoutTouchingThePodTemplate()
    {
        var observed = Settled(Cluster(s => s.Controllers = 1));
        observed.Cluster.Status = FjordClusterReconciler.Plan(observed).Actions.OfType<UpdateClusterStatus>().Single().Status;
        Assert.Equal(1, observed.Cluster.Status.BootstrapControllers);
        observed.Cluster.Spec.Controllers = 3;
        observed = observed with { Health = observed.Health with { Quorum = new ObservedQuorum([0], new Dictionary<int, long> { [1] = 0, [2] = 0 }) } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ApplyObject>());
        Assert.Equal(new ChangeVoter(1, Add: true), Assert.Single(plan.Actions.OfType<ChangeVoter>()));
        Assert.Equal("VoterAdded", Assert.Single(plan.Actions.OfType<RecordEvent>()).Reason);
        var status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        Assert.Equal([0], status.Voters);
        Assert.Equal(1, status.BootstrapControllers);
        var operation = Assert.Single(status.Operations!);
        Assert.Equal((V1Alpha1FjordOperation.TypeVoterChange, FjordClusterReconciler.PhaseAddingVoter), (operation.Type, operation.Phase));
        Assert.Equal([1], operation.Brokers);
        Assert.Equal(("True", ClusterConditions.ReasonChangingVoters), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
    }

    [Fact]
    public void Plan_ControllersRaised_BeforeTheObserverCaughtUp_ReportsTheWaitAndChangesNothing()
    {
        var observed = Settled(Cluster(s => s.Controllers = 3));
        observed = observed with { Health = observed.Health with { Quorum = new ObservedQuorum([0], new Dictionary<int, long> { [1] = 5_000 }) } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ChangeVoter>());
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal(FjordClusterReconciler.PhaseWaitingForObserver, operation.Phase);
        Assert.Contains("broker 1 must follow the metadata log", operation.Message, StringComparison.Ordinal);
        Assert.Equal(("True", ClusterConditions.ReasonChangingVoters), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
        Assert.Equal(FjordClusterReconciler.ProgressRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_ControllersLowered_RemovesTheHighestVoter_OnlyWhenHealthy()
    {
        var observed = Settled(Cluster(s => s.Controllers = 3));
        observed.Cluster.Status = FjordClusterReconciler.Plan(observed).Actions.OfType<UpdateClusterStatus>().Single().Status;
        observed.Cluster.Spec.Controllers = 1;
        var quorum = new ObservedQuorum([0, 1, 2], new Dictionary<int, long>());
        var healthy = observed with { Health = observed.Health with { Quorum = quorum } };
        var underReplicated = observed with { Health = observed.Health with { Quorum = quorum, UnderReplicatedPartitions = 1 } };

        Assert.Equal(new ChangeVoter(2, Add: false), Assert.Single(FjordClusterReconciler.Plan(healthy).Actions.OfType<ChangeVoter>()));
        var waiting = FjordClusterReconciler.Plan(underReplicated);
        Assert.Empty(waiting.Actions.OfType<ChangeVoter>());
        Assert.Equal(FjordClusterReconciler.PhaseWaitingForHealth,
            waiting.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!.Single(o => o.Type == V1Alpha1FjordOperation.TypeVoterChange).Phase);
    }

    [Fact]
    public void Plan_StatusVotersComeFromTheQuorum()
    {
        var observed = Settled(Cluster());
        observed = observed with { Health = observed.Health with { Quorum = new ObservedQuorum([2, 0, 1], new Dictionary<int, long>()) } };

        var status = FjordClusterReconciler.Plan(observed).Actions.OfType<UpdateClusterStatus>().Single().Status;

        Assert.Equal([0, 1, 2], status.Voters);
    }

    [Fact]
    public void Plan_UnchangedConditionKeepsItsTransitionTime()
    {
        var observed = Settled(Cluster());
        observed.Cluster.Status = FjordClusterReconciler.Plan(observed).Actions.OfType<UpdateClusterStatus>().Single().Status;
        observed = observed with { Now = s_now.AddMinutes(5), Health = observed.Health with { UnderReplicatedPartitions = 2 } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(s_now, Condition(plan, "Ready").LastTransitionTime);
        Assert.Equal(("True", ClusterConditions.ReasonUnderReplicated, s_now.AddMinutes(5)),
            (Condition(plan, "Degraded").Status, Condition(plan, "Degraded").Reason, Condition(plan, "Degraded").LastTransitionTime));
    }

    [Fact]
    public void Plan_BrokersBackAndInSyncWithLeadersOffPreferred_ElectsPreferredLeadersWithAnEvent()
    {
        var observed = Settled(Cluster());
        observed = observed with { Health = observed.Health with { PreferredLeaderImbalance = 2 } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Single(plan.Actions.OfType<ElectPreferredLeaders>());
        Assert.Equal(FailoverPlanner.ReasonPreferredLeaders, Assert.Single(plan.Actions.OfType<RecordEvent>()).Reason);
    }

    [Fact]
    public void Plan_LiveBrokerUnreadyPastGrace_RestartsItsPodWithAWarning()
    {
        var observed = Settled(Cluster());
        var pods = observed.Pods.ToList();
        pods[2] = pods[2] with { Ready = false, NotReadySince = s_now - FailoverPlanner.Grace };
        observed = observed with { Pods = pods };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal("orders-2", Assert.Single(plan.Actions.OfType<DeletePod>()).Name);
        Assert.Equal((RecordEvent.Warning, FailoverPlanner.ReasonBrokerUnready),
            plan.Actions.OfType<RecordEvent>().Select(e => (e.Type, e.Reason)).Single());
    }

    [Fact]
    public void Plan_StaticConfigChange_UpdatesStatefulSetAndRestartsNothingYet()
    {
        var observed = Settled(Cluster());
        observed.Cluster.Spec.Config = new() { ["num.partitions"] = "6" };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(["ConfigMap", "StatefulSet"], plan.Actions.OfType<ApplyObject>().Select(a => a.Kind));
        Assert.Empty(plan.Actions.OfType<DeletePod>());
    }

    [Fact]
    public void Plan_DynamicConfigChange_AppliesThroughAdminWithoutTouchingTheStatefulSet()
    {
        var observed = Settled(Cluster());
        observed.Cluster.Spec.Config = new() { ["log.retention.ms"] = "3600000" };
        observed = observed with { Health = observed.Health with { DynamicConfigs = new Dictionary<string, string> { ["log.segment.bytes"] = "1048576" } } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(["ConfigMap"], plan.Actions.OfType<ApplyObject>().Select(a => a.Kind));
        var change = Assert.Single(plan.Actions.OfType<ApplyDynamicConfigs>());
        Assert.Equal("3600000", change.Set["log.retention.ms"]);
        Assert.Equal(["log.segment.bytes"], change.Delete);
    }

    [Fact]
    public void Plan_DynamicConfigsAlreadyApplied_NoAdminCall()
    {
        var observed = Settled(Cluster(s => s.Config = new() { ["log.retention.ms"] = "1" }));
        observed = observed with { Health = observed.Health with { DynamicConfigs = new Dictionary<string, string> { ["log.retention.ms"] = "1" } } };

        Assert.Empty(FjordClusterReconciler.Plan(observed).Actions.OfType<ApplyDynamicConfigs>());
    }

    [Fact]
    public void Plan_NewTemplateRevision_DeletesHighestOutdatedPodAndReportsRollingUpdate()
    {
        var observed = Settled(Cluster());
        observed = observed with { Pods = observed.Pods.Select(p => p with { Revision = "orders-old" }).ToList() };

        var plan = FjordClusterReconciler.Plan(observed);

        var delete = Assert.Single(plan.Actions.OfType<DeletePod>());
        Assert.Equal(("orders-2", 2), (delete.Name, delete.Ordinal));
        Assert.Equal(ClusterConditions.ReasonRollingUpdate, Condition(plan, "Reconciling").Reason);
        Assert.Contains(plan.Actions.OfType<RecordEvent>(), e => e.Reason == "RestartingBroker");
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal((V1Alpha1FjordOperation.TypeRollingUpdate, 0, 3), (operation.Type, operation.Done, operation.Total));
    }

    [Fact]
    public void Plan_ScaleInBelowReplicationFactor_IsRefusedWithConditionAndOneEvent()
    {
        var observed = Settled(Cluster());
        observed.Cluster.Spec.Replicas = 1;
        observed.Cluster.Spec.Controllers = 1;
        observed = observed with { Health = observed.Health with { Topics = [new TopicReplication("orders", 3)] } };

        var plan = FjordClusterReconciler.Plan(observed);
        observed.Cluster.Status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        var again = FjordClusterReconciler.Plan(observed);

        var set = plan.Actions.OfType<ApplyObject>().Select(a => a.Object).OfType<V1StatefulSet>().SingleOrDefault();
        Assert.True(set is null || set.Spec.Replicas == 3, "the StatefulSet must keep 3 replicas");
        Assert.Equal(("False", ScaleInGuard.ReasonReplicationFactor), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
        var warning = Assert.Single(plan.Actions.OfType<RecordEvent>(), e => e.Type == RecordEvent.Warning);
        Assert.Equal(ScaleInGuard.ReasonReplicationFactor, warning.Reason);
        Assert.DoesNotContain(again.Actions.OfType<RecordEvent>(), e => e.Type == RecordEvent.Warning);
        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
    }

    [Fact]
    public void Plan_ScaleInWithReplicasOnRemovedBrokers_DrainsThemAndKeepsThePods()
    {
        var observed = Settled(Cluster(s => s.Replicas = 5), brokersOverride: 5);
        observed.Cluster.Spec.Replicas = 3;
        observed = observed with
        {
            Health = observed.Health with { Balance = new ObservedBalance(ObservedBalanceState.None, null, null, 0, 0, 0, "") },
        };

        var plan = FjordClusterReconciler.Plan(observed);

        var drain = Assert.Single(plan.Actions.OfType<ExecuteBalance>());
        Assert.Equal([3, 4], drain.DrainBrokers);
        Assert.True(drain.DrainOnly);
        Assert.DoesNotContain(plan.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet);
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal((V1Alpha1FjordOperation.TypeScaleIn, "Draining", 0, 2), (operation.Type, operation.Phase, operation.Done, operation.Total));
        Assert.Equal(ClusterConditions.ReasonScalingIn, Condition(plan, "Reconciling").Reason);
    }

    [Fact]
    public void Plan_ScaleInWhileItsDrainRuns_ReportsProgressAndStartsNothing()
    {
        var observed = Settled(Cluster(s => s.Replicas = 5), brokersOverride: 5);
        observed.Cluster.Spec.Replicas = 3;
        observed.Cluster.Status = new V1Alpha1FjordClusterStatus
        {
            Operations = [new V1Alpha1FjordOperation { Type = V1Alpha1FjordOperation.TypeScaleIn, StartedAt = s_now.AddMinutes(-2) }],
        };
        observed = observed with
        {
            Health = observed.Health with
            {
                Balance = new ObservedBalance(ObservedBalanceState.Running, s_now.AddMinutes(-1), null, 8, 3, 4096, ""),
            },
        };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal(("Draining", 3, 8, s_now.AddMinutes(-2)), (operation.Phase, operation.Done, operation.Total, operation.StartedAt));
        Assert.Contains("4096 bytes left", operation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ScaleOutWhileNewBrokersFenced_WaitsBeforeBalancing()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: true, balance: null);

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal((V1Alpha1FjordOperation.TypeScaleOut, "AddingBrokers"), (operation.Type, operation.Phase));
    }

    [Fact]
    public void Plan_ScaleOutWithNewBrokersUnfenced_ExecutesAThrottledBalance()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: false,
            balance: new ObservedBalance(ObservedBalanceState.Completed, s_now.AddHours(-1), s_now.AddHours(-1), 2, 2, 0, ""));
        observed.Cluster.Spec.Rebalance = new V1Alpha1FjordRebalance { ThrottleBytesPerSecond = 1_048_576 };

        var plan = FjordClusterReconciler.Plan(observed);

        var balance = Assert.Single(plan.Actions.OfType<ExecuteBalance>());
        Assert.Equal((0, false, 1_048_576L), (balance.DrainBrokers.Count, balance.DrainOnly, balance.ThrottleBytesPerSecond));
        Assert.Equal("Balancing", Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!).Phase);
        Assert.Equal(ClusterConditions.ReasonScalingOut, Condition(plan, "Reconciling").Reason);
    }

    [Fact]
    public void Plan_ScaleOutBalanceRunning_CopiesProgressIntoStatus()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: false,
            balance: new ObservedBalance(ObservedBalanceState.Running, s_now.AddSeconds(-20), null, 6, 2, 1000, ""));

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal(("Balancing", 2, 6), (operation.Phase, operation.Done, operation.Total));
        Assert.Equal([3, 4], operation.Brokers!);
    }

    [Fact]
    public void Plan_ScaleOutBalanceCompleted_EndsTheOperationWithAnEvent()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: false,
            balance: new ObservedBalance(ObservedBalanceState.Completed, s_now.AddSeconds(-20), s_now, 6, 6, 0, ""));

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        Assert.Empty(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations ?? []);
        Assert.Contains(plan.Actions.OfType<RecordEvent>(), e => e.Reason == "RebalanceCompleted");
    }

    [Fact]
    public void Plan_ScaleOutBalanceFailed_ReportsDegradedOnceAndDoesNotRestartAtOnce()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: false,
            balance: new ObservedBalance(ObservedBalanceState.Failed, s_now.AddSeconds(-20), s_now, 6, 4, 0, "orders-1 refused"));

        var plan = FjordClusterReconciler.Plan(observed);
        observed.Cluster.Status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        var again = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        Assert.Equal(("True", FjordClusterReconciler.ReasonBalanceFailed), (Condition(plan, "Degraded").Status, Condition(plan, "Degraded").Reason));
        Assert.Contains("orders-1 refused", Condition(plan, "Degraded").Message, StringComparison.Ordinal);
        Assert.Single(plan.Actions.OfType<RecordEvent>(), e => e.Type == RecordEvent.Warning);
        Assert.DoesNotContain(again.Actions.OfType<RecordEvent>(), e => e.Type == RecordEvent.Warning);
    }

    [Fact]
    public void Plan_ScaleOutWithRebalanceOff_EndsWithoutBalancing()
    {
        var observed = ScaledOutTo5(fencedNewBrokers: false, balance: null);
        observed.Cluster.Spec.Rebalance = new V1Alpha1FjordRebalance { Mode = V1Alpha1FjordRebalance.ModeOff };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        Assert.Empty(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations ?? []);
    }

    [Fact]
    public void Plan_ContinuousModeOnAnImbalancedSettledCluster_StartsARebalanceOperation()
    {
        var observed = Settled(Cluster(s => s.Rebalance = new V1Alpha1FjordRebalance { Mode = V1Alpha1FjordRebalance.ModeContinuous }));
        observed = observed with
        {
            Health = observed.Health with
            {
                Balance = new ObservedBalance(ObservedBalanceState.None, null, null, 0, 0, 0, ""),
                Proposal = new ProposedBalance([new BrokerLoad(0, 9, 0), new BrokerLoad(1, 9, 0), new BrokerLoad(2, 0, 0)], 6),
            },
        };

        var plan = FjordClusterReconciler.Plan(observed);
        observed.Cluster.Status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        var again = FjordClusterReconciler.Plan(observed with
        {
            Health = observed.Health with { Balance = new ObservedBalance(ObservedBalanceState.Running, s_now.AddSeconds(1), null, 6, 1, 10, "") },
        });

        Assert.Single(plan.Actions.OfType<ExecuteBalance>());
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal((V1Alpha1FjordOperation.TypeRebalance, "Balancing"), (operation.Type, operation.Phase));
        Assert.Equal(ClusterConditions.ReasonRebalancing, Condition(plan, "Reconciling").Reason);
        Assert.Contains(plan.Actions.OfType<RecordEvent>(), e => e.Reason == "RebalanceStarted");
        Assert.Empty(again.Actions.OfType<ExecuteBalance>());
    }

    [Fact]
    public void Plan_ContinuousModeOnABalancedCluster_DoesNothing()
    {
        var observed = Settled(Cluster(s => s.Rebalance = new V1Alpha1FjordRebalance { Mode = V1Alpha1FjordRebalance.ModeContinuous }));
        observed = observed with
        {
            Health = observed.Health with
            {
                Proposal = new ProposedBalance([new BrokerLoad(0, 3, 0), new BrokerLoad(1, 3, 0), new BrokerLoad(2, 3, 0)], 0),
            },
        };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        Assert.Empty(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations ?? []);
    }

    /// <summary>A 3 → 5 scale-out whose StatefulSet already has 5 pods, as status and the cluster show it after the grow step.</summary>
    private static ObservedCluster ScaledOutTo5(bool fencedNewBrokers, ObservedBalance? balance)
    {
        var observed = Settled(Cluster(s => s.Replicas = 5));
        observed.Cluster.Status = new V1Alpha1FjordClusterStatus
        {
            Operations = [new V1Alpha1FjordOperation
            {
                Type = V1Alpha1FjordOperation.TypeScaleOut, Phase = "AddingBrokers", Brokers = [3, 4], StartedAt = s_now.AddMinutes(-1),
            }],
        };
        return observed with
        {
            Health = observed.Health with
            {
                Brokers = observed.Health.Brokers.Select(b => b.Id >= 3 ? b with { Fenced = fencedNewBrokers } : b).ToList(),
                Balance = balance,
            },
        };
    }

    [Fact]
    public void Plan_ScaleInDrained_ShrinksTheStatefulSet()
    {
        var observed = Settled(Cluster(s => s.Replicas = 5), brokersOverride: 5);
        observed.Cluster.Spec.Replicas = 3;
        observed = observed with
        {
            Health = observed.Health with
            {
                Brokers = observed.Health.Brokers.Select(b => b.Id >= 3 ? b with { ReplicaCount = 0, LeaderCount = 0 } : b).ToList(),
                Quorum = new ObservedQuorum([0, 1, 2], new Dictionary<int, long> { [3] = 0, [4] = 0 }),
            },
        };

        var plan = FjordClusterReconciler.Plan(observed);

        var set = (V1StatefulSet)Assert.Single(plan.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet).Object;
        Assert.Equal(3, set.Spec.Replicas);
        Assert.Empty(plan.Actions.OfType<ExecuteBalance>());
        Assert.Empty(plan.Actions.OfType<ChangeVoter>());
    }

    [Fact]
    public void Plan_ScaleInDrained_RemovesTheDepartingVotersOneAtATime_BeforeThePodsGo()
    {
        var observed = Settled(Cluster(s => { s.Replicas = 5; s.Controllers = 5; }), brokersOverride: 5);
        observed.Cluster.Spec.Replicas = 3;
        observed.Cluster.Spec.Controllers = 3;
        observed = observed with
        {
            Health = observed.Health with
            {
                Brokers = observed.Health.Brokers.Select(b => b.Id >= 3 ? b with { ReplicaCount = 0, LeaderCount = 0 } : b).ToList(),
                Quorum = new ObservedQuorum([0, 1, 2, 3, 4], new Dictionary<int, long>()),
            },
        };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(new ChangeVoter(4, Add: false), Assert.Single(plan.Actions.OfType<ChangeVoter>()));
        var set = (V1StatefulSet)Assert.Single(plan.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet).Object;
        Assert.Equal(5, set.Spec.Replicas);
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal(("ScaleIn", "RemovingVoters"), (operation.Type, operation.Phase));

        // Without the quorum's description the pods stay: nobody can tell whether they vote.
        var unknown = FjordClusterReconciler.Plan(observed with { Health = observed.Health with { Quorum = null } });
        Assert.Equal(5, ((V1StatefulSet)Assert.Single(unknown.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet).Object).Spec.Replicas);
        Assert.Empty(unknown.Actions.OfType<ChangeVoter>());
    }

    [Fact]
    public void Plan_BrokerLeftInMetadataAfterScaleIn_IsUnregistered()
    {
        var observed = Settled(Cluster());
        var health = observed.Health with { Brokers = [.. observed.Health.Brokers, new ObservedBroker(3, true, false, 0, 0)] };

        var plan = FjordClusterReconciler.Plan(observed with { Health = health });

        Assert.Equal([3], plan.Actions.OfType<UnregisterBroker>().Select(u => u.BrokerId));
    }

    [Fact]
    public void Plan_ScaleOut_RecordsTheOperationThenGrowsTheStatefulSet()
    {
        var observed = Settled(Cluster());
        observed.Cluster.Spec.Replicas = 5;

        var plan = FjordClusterReconciler.Plan(observed);
        observed.Cluster.Status = plan.Actions.OfType<UpdateClusterStatus>().Single().Status;
        var grow = FjordClusterReconciler.Plan(observed);

        Assert.DoesNotContain(plan.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet);
        var set = (V1StatefulSet)Assert.Single(grow.Actions.OfType<ApplyObject>(), a => a.Object is V1StatefulSet).Object;
        Assert.Equal(5, set.Spec.Replicas);
        var operation = Assert.Single(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations!);
        Assert.Equal(V1Alpha1FjordOperation.TypeScaleOut, operation.Type);
        Assert.Equal([3, 4], operation.Brokers!);
        Assert.Equal(ClusterConditions.ReasonScalingOut, Condition(plan, "Reconciling").Reason);
    }

    [Fact]
    public void Plan_ServiceMonitorCrdPresent_CreatesTheMonitorOnce()
    {
        var observed = Settled(Cluster()) with { Capabilities = new ObservedCapabilities(true) };

        var first = FjordClusterReconciler.Plan(observed);
        var second = FjordClusterReconciler.Plan(observed with { ServiceMonitorExists = true });

        Assert.Single(first.Actions.OfType<ApplyObject>(), a => a.Kind == "ServiceMonitor");
        Assert.DoesNotContain(second.Actions.OfType<ApplyObject>(), a => a.Kind == "ServiceMonitor");
    }

    [Fact]
    public void Plan_ObjectsAppliedButBrokersNotReady_IsStillReconcilingWaitingForBrokers()
    {
        var observed = Settled(Cluster());
        observed = observed with { Pods = observed.Pods.Select(p => p.Ordinal == 1 ? p with { Ready = false } : p).ToList() };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(("True", ClusterConditions.ReasonWaitingForBrokers), (Condition(plan, "Reconciling").Status, Condition(plan, "Reconciling").Reason));
        Assert.Equal(("False", ClusterConditions.ReasonBrokersNotReady), (Condition(plan, "Ready").Status, Condition(plan, "Ready").Reason));
        Assert.Equal(FjordClusterReconciler.ProgressRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_QuorumWithoutLeader_DegradedIsUnknownNoController()
    {
        var observed = Settled(Cluster());
        observed = observed with { Health = observed.Health with { ControllerId = -1, Brokers = [] } };

        var plan = FjordClusterReconciler.Plan(observed);

        Assert.Equal(("Unknown", ClusterConditions.ReasonNoController), (Condition(plan, "Degraded").Status, Condition(plan, "Degraded").Reason));
        Assert.Equal(ClusterConditions.ReasonWaitingForBrokers, Condition(plan, "Reconciling").Reason);
        Assert.Null(plan.Actions.OfType<UpdateClusterStatus>().Single().Status.Operations);
    }
}
