using Fjord.Operator.Crds;
using Fjord.Operator.Reconciling;
using Fjord.Operator.Topics;
using static Fjord.Operator.Tests.Topics.TopicTestData;

namespace Fjord.Operator.Tests.Topics;

public class FjordTopicReconcilerTests
{
    private static V1Alpha1FjordTopicStatus Status(ReconcilePlan plan) => plan.Actions.OfType<UpdateTopicStatus>().Single().Status;

    private static V1Alpha1FjordCondition Ready(ReconcilePlan plan) => Status(plan).Conditions!.Single(c => c.Type == TopicConditions.Ready);

    private static V1Alpha1FjordCondition Reconciling(ReconcilePlan plan) =>
        Status(plan).Conditions!.Single(c => c.Type == TopicConditions.Reconciling);

    /// <summary>The actions that change the Kafka cluster (admin calls), in order.</summary>
    private static List<ReconcileAction> AdminCalls(ReconcilePlan plan) =>
        plan.Actions.Where(a => a is CreateKafkaTopic or GrowPartitions or AlterTopicConfigs or ChangeReplicationFactor or DeleteKafkaTopic).ToList();

    [Fact]
    public void Plan_TopicAbsent_CreatesItWithSpecPartitionsReplicasAndConfigs()
    {
        var resource = Resource(configure: s => s.Config = new() { ["retention.ms"] = "3600000" }, finalizer: false);

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster()));

        var create = Assert.IsType<CreateKafkaTopic>(Assert.Single(AdminCalls(plan)));
        Assert.Equal(("orders", 3, 1), (create.Name, create.Partitions, create.ReplicationFactor));
        Assert.Equal("3600000", create.Configs["retention.ms"]);
        Assert.Single(plan.Actions.OfType<AddTopicFinalizer>());
        Assert.Equal(("False", TopicConditions.ReasonCreating), (Ready(plan).Status, Ready(plan).Reason));
        Assert.Equal("True", Reconciling(plan).Status);
        Assert.Equal(1, Status(plan).ObservedGeneration);
    }

    [Fact]
    public void Plan_NoPartitionsOrReplicasInSpec_CreatesWithBrokerDefaults()
    {
        var resource = Resource(configure: s => (s.Partitions, s.Replicas) = (null, null));

        var create = Assert.IsType<CreateKafkaTopic>(Assert.Single(AdminCalls(FjordTopicReconciler.Plan(Observe(resource, Cluster())))));

        Assert.Equal((-1, -1), (create.Partitions, create.ReplicationFactor));
    }

    [Fact]
    public void Plan_NameThatIsNotDns1123_ComesFromTopicNameAndDefaultsToMetadataName()
    {
        var explicitName = Resource("orders-v1-eu", s => s.TopicName = "orders.v1_EU");
        var defaulted = Resource("orders.v1-eu");

        Assert.Equal("orders.v1_EU", Assert.IsType<CreateKafkaTopic>(AdminCalls(FjordTopicReconciler.Plan(Observe(explicitName, Cluster())))[0]).Name);
        Assert.Equal("orders.v1-eu", Assert.IsType<CreateKafkaTopic>(AdminCalls(FjordTopicReconciler.Plan(Observe(defaulted, Cluster())))[0]).Name);
    }

    [Fact]
    public void Plan_TopicMatchesSpec_IsReadyWithNoAdminCallAndReportsPartitions()
    {
        var resource = Resource(configure: s => s.Config = new() { ["cleanup.policy"] = "compact" });
        var topic = Topic(configs: new() { ["cleanup.policy"] = "compact" });

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, topic)));

        Assert.Empty(AdminCalls(plan));
        Assert.Equal(("True", TopicConditions.ReasonReconciled), (Ready(plan).Status, Ready(plan).Reason));
        Assert.Equal("False", Reconciling(plan).Status);
        var status = Status(plan);
        Assert.Equal((3, 1, "orders", topic.TopicId, false), (status.PartitionCount, status.ReplicationFactor, status.TopicName, status.TopicId, status.Reassigning));
        Assert.Equal([0, 1, 2], status.Partitions!.Select(p => p.Leader));
        Assert.Null(plan.RequeueAfter);
    }

    [Fact]
    public void Plan_MorePartitionsInSpec_GrowsThemAndChangesNothingElse()
    {
        var resource = Resource(configure: s => s.Partitions = 6, generation: 2);

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic())));

        Assert.Equal(new GrowPartitions("orders", 6), Assert.Single(AdminCalls(plan)));
        Assert.Empty(plan.Actions.OfType<RecordEvent>());
        Assert.Equal(TopicConditions.ReasonUpdating, Ready(plan).Reason);
    }

    [Fact]
    public void Plan_FewerPartitionsInSpec_SetsPartitionsCannotShrinkAndChangesNothing()
    {
        var resource = Resource(configure: s => (s.Partitions, s.Config) = (2, new() { ["retention.ms"] = "1" }));

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic())));

        Assert.Empty(AdminCalls(plan));
        Assert.Equal(("False", TopicConditions.ReasonPartitionsCannotShrink), (Ready(plan).Status, Ready(plan).Reason));
        Assert.Equal("False", Reconciling(plan).Status);
        Assert.Equal(3, Status(plan).PartitionCount);
    }

    [Fact]
    public void Plan_ConfigsDiffer_SetsChangedAndDeletesUnlistedInOneCall()
    {
        var resource = Resource(configure: s => s.Config = new() { ["retention.ms"] = "1000", ["cleanup.policy"] = "delete" }, generation: 2);
        var topic = Topic(configs: new() { ["retention.ms"] = "5000", ["cleanup.policy"] = "delete", ["segment.bytes"] = "1048576" });

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, topic)));

        var alter = Assert.IsType<AlterTopicConfigs>(Assert.Single(AdminCalls(plan)));
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "1000" }, alter.Set);
        Assert.Equal(["segment.bytes"], alter.Delete);
        Assert.Empty(plan.Actions.OfType<RecordEvent>());
    }

    [Fact]
    public void Plan_ConfigChangedBehindTheOperatorsBack_IsPutBackWithADriftEvent()
    {
        var resource = Settled(Resource(configure: s => s.Config = new() { ["retention.ms"] = "1000" }));
        var topic = Topic(configs: new() { ["retention.ms"] = "99" });

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, topic)));

        Assert.Equal("1000", Assert.IsType<AlterTopicConfigs>(Assert.Single(AdminCalls(plan))).Set["retention.ms"]);
        var drift = Assert.Single(plan.Actions.OfType<RecordEvent>());
        Assert.Equal((RecordEvent.Warning, TopicConditions.EventDriftCorrected), (drift.Type, drift.Reason));
        Assert.Contains("retention.ms 99 → 1000", drift.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_PartitionsAddedBehindTheOperatorsBack_AreReportedAsCannotShrink()
    {
        var resource = Settled(Resource());

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic(partitions: 5))));

        Assert.Empty(AdminCalls(plan));
        Assert.Equal(TopicConditions.ReasonPartitionsCannotShrink, Ready(plan).Reason);
    }

    [Fact]
    public void Plan_ReplicationFactorGrows_HandsItToTheBalancerWithTheClusterThrottleAndReportsProgress()
    {
        var resource = Resource(configure: s => s.Replicas = 3, generation: 2);

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic()) with { ThrottleBytesPerSecond = 52_428_800 }));

        Assert.Equal(new ChangeReplicationFactor("orders", 3, 52_428_800), Assert.Single(AdminCalls(plan)));
        Assert.Contains(plan.Actions.OfType<RecordEvent>(), e => e.Reason == TopicConditions.EventReplicationFactorChanging);
        Assert.Equal((TopicConditions.ReasonChangingReplicationFactor, "True"), (Ready(plan).Reason, Reconciling(plan).Status));
        Assert.True(Status(plan).Reassigning);
        Assert.Equal(FjordTopicReconciler.ProgressRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_ReplicationFactorShrinks_HandsItToTheBalancer()
    {
        var resource = Resource(configure: s => s.Replicas = 2);

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic(replicationFactor: 3))));

        Assert.Equal(new ChangeReplicationFactor("orders", 2, 0), Assert.Single(AdminCalls(plan)));
    }

    [Fact]
    public void Plan_ReassignmentUnderWay_WaitsWithoutANewOne()
    {
        var moving = Topic(replicationFactor: 1) with
        {
            Partitions = [new ObservedPartition(0, 0, [0, 1, 2], [0], [1, 2], [])],
            Configs = new Dictionary<string, string> { [TopicConfigOwnership.LeaderThrottledReplicas] = "0:0" },
        };
        var resource = Resource(configure: s => (s.Partitions, s.Replicas) = (1, 3));

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, moving)));

        Assert.Empty(AdminCalls(plan));
        Assert.True(Status(plan).Reassigning);
        Assert.Equal(TopicConditions.ReasonChangingReplicationFactor, Ready(plan).Reason);
        Assert.Contains("1 of 1 partition(s) moving", Ready(plan).Message);
        Assert.Equal(FjordTopicReconciler.ProgressRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_ReassignmentDone_RemovesThrottlesAndIsReady()
    {
        var topic = Topic(replicationFactor: 3, configs: new()
        {
            [TopicConfigOwnership.LeaderThrottledReplicas] = "0:0",
            [TopicConfigOwnership.FollowerThrottledReplicas] = "0:1",
        });
        var resource = Settled(Resource(configure: s => s.Replicas = 3));

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, topic)));

        var alter = Assert.IsType<AlterTopicConfigs>(Assert.Single(AdminCalls(plan)));
        Assert.Equal([TopicConfigOwnership.FollowerThrottledReplicas, TopicConfigOwnership.LeaderThrottledReplicas], alter.Delete);
        Assert.Empty(alter.Set);
        Assert.Empty(plan.Actions.OfType<RecordEvent>());
    }

    [Fact]
    public void Plan_ReplicationFactorAboveLiveBrokers_SetsInvalidReplicationFactor()
    {
        var resource = Resource(configure: s => s.Replicas = 3);

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(2, Topic(brokers: 2))));

        Assert.Empty(AdminCalls(plan));
        Assert.Equal(TopicConditions.ReasonInvalidReplicationFactor, Ready(plan).Reason);
    }

    [Fact]
    public void Plan_SecondResourceNamingTheSameTopic_GetsTopicNameConflictAndNeverTouchesIt()
    {
        var first = Resource("orders", created: new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc));
        var second = Resource("orders-again", s => (s.TopicName, s.Partitions) = ("orders", 9), created: new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc));

        var plan = FjordTopicReconciler.Plan(Observe(second, Cluster(3, Topic()), first));
        var ownerPlan = FjordTopicReconciler.Plan(Observe(first, Cluster(3, Topic()), second));

        Assert.Empty(AdminCalls(plan));
        Assert.Single(plan.Actions.OfType<RemoveTopicFinalizer>());
        Assert.Equal(TopicConditions.ReasonTopicNameConflict, Ready(plan).Reason);
        Assert.Contains("FjordTopic orders", Ready(plan).Message, StringComparison.Ordinal);
        Assert.Equal("True", Ready(ownerPlan).Status);
    }

    [Fact]
    public void Plan_SameTopicNameOnAnotherCluster_IsNoConflict()
    {
        var first = Resource("orders");
        var other = Resource("orders-b", s => (s.TopicName, s.ClusterRef.Name) = ("orders", "other"), created: new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal("True", Ready(FjordTopicReconciler.Plan(Observe(first, Cluster(3, Topic()), other))).Status);
    }

    [Fact]
    public void Plan_UnknownOrOperatorOwnedConfig_SetsInvalidConfigAndChangesNothing()
    {
        var misspelt = Resource(configure: s => s.Config = new() { ["retention.msec"] = "1" });
        var owned = Resource(configure: s => s.Config = new() { [TopicConfigOwnership.LeaderThrottledReplicas] = "*" });

        var misspeltPlan = FjordTopicReconciler.Plan(Observe(misspelt, Cluster()));
        var ownedPlan = FjordTopicReconciler.Plan(Observe(owned, Cluster(3, Topic())));

        Assert.Empty(AdminCalls(misspeltPlan));
        Assert.Equal(TopicConditions.ReasonInvalidConfig, Ready(misspeltPlan).Reason);
        Assert.Contains("retention.msec", Ready(misspeltPlan).Message, StringComparison.Ordinal);
        Assert.Empty(AdminCalls(ownedPlan));
        Assert.Equal(TopicConditions.ReasonInvalidConfig, Ready(ownedPlan).Reason);
    }

    [Fact]
    public void Plan_ClusterMissingOrUnreachable_SetsClusterNotReady()
    {
        var missing = FjordTopicReconciler.Plan(Observe(Resource(), TopicClusterView.Missing));
        var unreachable = FjordTopicReconciler.Plan(Observe(Resource(), TopicClusterView.Unreachable));

        Assert.Empty(AdminCalls(missing));
        Assert.Equal(TopicConditions.ReasonClusterNotReady, Ready(missing).Reason);
        Assert.Null(missing.RequeueAfter);
        Assert.Equal(TopicConditions.ReasonClusterNotReady, Ready(unreachable).Reason);
        Assert.Equal(FjordTopicReconciler.ClusterRequeue, unreachable.RequeueAfter);
    }

    [Fact]
    public void Plan_OnlyEverNamesItsOwnTopic_WhateverElseTheClusterHolds()
    {
        var clientTopic = Topic("client-made", partitions: 1, configs: new() { ["retention.ms"] = "5" });
        var resource = Resource(configure: s => (s.Partitions, s.Replicas, s.Config) = (6, 3, new() { ["retention.ms"] = "1" }));

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic(), clientTopic)));

        Assert.All(AdminCalls(plan), a => Assert.Equal("orders", a switch
        {
            GrowPartitions g => g.Name,
            AlterTopicConfigs c => c.Name,
            ChangeReplicationFactor r => r.Name,
            _ => "",
        }));
    }

    [Fact]
    public void Plan_Retain_HasNoFinalizerAndDropsAnOldOne()
    {
        var plan = FjordTopicReconciler.Plan(Observe(Resource(configure: s => s.DeletionPolicy = V1Alpha1FjordTopicSpec.DeletionPolicyRetain), Cluster(3, Topic())));

        Assert.Single(plan.Actions.OfType<RemoveTopicFinalizer>());
        Assert.Empty(plan.Actions.OfType<AddTopicFinalizer>());
    }

    [Fact]
    public void Plan_DeletedWithDeletePolicy_DeletesTheTopicThenDropsTheFinalizer()
    {
        var resource = Resource();
        resource.Metadata.DeletionTimestamp = Now.UtcDateTime;

        var deleting = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic())));
        var deleted = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic("client-made"))));

        Assert.Equal(new DeleteKafkaTopic("orders"), Assert.Single(AdminCalls(deleting)));
        Assert.Empty(deleting.Actions.OfType<RemoveTopicFinalizer>());
        Assert.Empty(AdminCalls(deleted));
        Assert.Single(deleted.Actions.OfType<RemoveTopicFinalizer>());
    }

    [Fact]
    public void Plan_DeletedWithRetainOrByALoser_KeepsTheTopic()
    {
        var retained = Resource(configure: s => s.DeletionPolicy = V1Alpha1FjordTopicSpec.DeletionPolicyRetain);
        retained.Metadata.DeletionTimestamp = Now.UtcDateTime;
        var loser = Resource("orders-again", s => s.TopicName = "orders", created: new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc));
        loser.Metadata.DeletionTimestamp = Now.UtcDateTime;

        var retainedPlan = FjordTopicReconciler.Plan(Observe(retained, Cluster(3, Topic())));
        var loserPlan = FjordTopicReconciler.Plan(Observe(loser, Cluster(3, Topic()), Resource()));

        Assert.Equal([new RemoveTopicFinalizer()], retainedPlan.Actions);
        Assert.Equal([new RemoveTopicFinalizer()], loserPlan.Actions);
    }

    [Fact]
    public void Plan_DeletedAfterTheClusterWentAway_DropsTheFinalizerWithAnEvent()
    {
        var resource = Resource();
        resource.Metadata.DeletionTimestamp = Now.UtcDateTime;

        var plan = FjordTopicReconciler.Plan(Observe(resource, TopicClusterView.Missing));

        Assert.Equal(TopicConditions.EventClusterGone, Assert.IsType<RecordEvent>(plan.Actions[0]).Reason);
        Assert.IsType<RemoveTopicFinalizer>(plan.Actions[1]);
        Assert.Empty(AdminCalls(plan));
    }

    [Fact]
    public void Plan_DeletedWhileClusterUnreachable_KeepsTheFinalizerAndRetries()
    {
        var resource = Resource();
        resource.Metadata.DeletionTimestamp = Now.UtcDateTime;

        var plan = FjordTopicReconciler.Plan(Observe(resource, TopicClusterView.Unreachable));

        Assert.Empty(plan.Actions.OfType<RemoveTopicFinalizer>());
        Assert.Equal(FjordTopicReconciler.ClusterRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Plan_LargeTopic_ListsTheFirstPartitionsAndCountsAll()
    {
        var resource = Resource(configure: s => s.Partitions = 1000);

        var status = Status(FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic(partitions: 1000)))));

        Assert.Equal(1000, status.PartitionCount);
        Assert.Equal(FjordTopicReconciler.StatusPartitionLimit, status.Partitions!.Count);
    }

    [Fact]
    public void Plan_TopicNameChangedAfterCreation_IsRefused()
    {
        var resource = Settled(Resource(configure: s => s.TopicName = "orders2"));
        resource.Status!.TopicName = "orders";

        var plan = FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic())));

        Assert.Empty(AdminCalls(plan));
        Assert.Equal(TopicConditions.ReasonTopicNameImmutable, Ready(plan).Reason);
    }

    [Fact]
    public void Failed_InvalidConfigError_ReportsInvalidConfigWithTheBrokersMessage()
    {
        var plan = FjordTopicReconciler.Failed(Observe(Resource(), Cluster()), 40, "retention.ms: not a number");

        Assert.Equal(TopicConditions.ReasonInvalidConfig, Ready(plan).Reason);
        Assert.Contains("not a number", Ready(plan).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ConditionUnchanged_KeepsItsTransitionTime()
    {
        var resource = Settled(Resource());
        var earlier = Now.AddHours(-1);
        resource.Status!.Conditions = [resource.Status.Conditions![0] with { LastTransitionTime = earlier }];

        Assert.Equal(earlier, Ready(FjordTopicReconciler.Plan(Observe(resource, Cluster(3, Topic())))).LastTransitionTime);
    }
}
