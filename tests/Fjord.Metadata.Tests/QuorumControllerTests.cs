using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests;

public sealed class QuorumControllerTests
{
    private static readonly TimeSpan Session = new QuorumControllerOptions().BrokerSessionTimeout;

    [Fact]
    public void RegisterBroker_NewIncarnation_StartsFencedUntilHeartbeat()
    {
        var ctx = new ControllerTestContext();
        var reply = ctx.Run(ctx.Controller.RegisterBroker(new BrokerRegistrationRequest(1, Guid.NewGuid(), "a", [new("PLAINTEXT", "h", 9092)])));
        Assert.Equal(ErrorCode.None, reply.Error);
        Assert.True(ctx.Image.Brokers[1].Fenced);
        var hb = ctx.Run(ctx.Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(1, reply.BrokerEpoch, WantFence: true, WantShutDown: false)));
        Assert.True(hb.IsFenced);
        hb = ctx.Run(ctx.Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(1, reply.BrokerEpoch, WantFence: false, WantShutDown: false)));
        Assert.False(hb.IsFenced);
        Assert.False(ctx.Image.Brokers[1].Fenced);
    }

    [Fact]
    public void RegisterBroker_SameIncarnationRetried_ReturnsSameEpochWithoutRecords()
    {
        var ctx = new ControllerTestContext();
        var request = new BrokerRegistrationRequest(1, Guid.NewGuid(), null, []);
        var first = ctx.Run(ctx.Controller.RegisterBroker(request));
        var again = ctx.Controller.RegisterBroker(request);
        Assert.True(again.IsReadOnly);
        Assert.Equal(first.BrokerEpoch, again.Response.BrokerEpoch);
    }

    [Fact]
    public void RegisterBroker_OtherIncarnationWhileSessionAlive_IsDuplicate_ThenAllowedAfterExpiry()
    {
        var ctx = new ControllerTestContext().WithBrokers(1);
        var other = new BrokerRegistrationRequest(0, Guid.NewGuid(), null, []);
        Assert.Equal(ErrorCode.DuplicateBrokerRegistration, ctx.Controller.RegisterBroker(other).Response.Error);
        ctx.Time.Advance(Session);
        var reply = ctx.Run(ctx.Controller.RegisterBroker(other));
        Assert.Equal(ErrorCode.None, reply.Error);
        Assert.True(reply.BrokerEpoch > ctx.Epochs[0]);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, ctx.Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(0, ctx.Epochs[0], false, false)).Response.Error);
    }

    [Fact]
    public void Heartbeat_UnknownBroker_BrokerIdNotRegistered()
    {
        var ctx = new ControllerTestContext();
        Assert.Equal(ErrorCode.BrokerIdNotRegistered, ctx.Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(7, 1, false, false)).Response.Error);
    }

    [Fact]
    public void RenewSessions_AfterTheControllerStoodStill_GivesEveryBrokerAFullSessionAgain()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.Time.Advance(Session * 2);
        ctx.Controller.RenewSessions(Session * 2);

        Assert.Equal(0, ctx.Advance(Session / 2));
        Assert.Equal(3, ctx.Advance(Session));
    }

    [Fact]
    public void Tick_AfterSessionTimeout_FencesSilentBrokerAndMovesItsLeaderships()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.CreateTopic("orders", 6, 3);
        var led = ctx.Image.GetTopic("orders")!.Partitions.Values.Where(p => p.Leader == 2).Select(p => p.LeaderEpoch).ToList();
        Assert.NotEmpty(led);
        Assert.Equal(0, ctx.Advance(Session / 2, 0, 1, 2));
        Assert.Equal(1, ctx.Advance(Session, 0, 1));
        Assert.True(ctx.Image.Brokers[2].Fenced);
        foreach (var p in ctx.Image.GetTopic("orders")!.Partitions.Values)
        {
            Assert.NotEqual(2, p.Leader);
            Assert.DoesNotContain(2, p.Isr);
            Assert.Contains(p.Leader, p.Isr);
        }
    }

    [Fact]
    public void Fence_LastIsrMember_StaysInIsrLeaderless_AndLeadsAgainWhenUnfenced()
    {
        var ctx = new ControllerTestContext().WithBrokers(2);
        ctx.CreateTopic("solo", 1, 1);
        var owner = ctx.Partition("solo", 0).Leader;
        var other = 1 - owner;
        ctx.Advance(Session, other);
        var p = ctx.Partition("solo", 0);
        Assert.Equal(PartitionRegistration.NoLeader, p.Leader);
        Assert.Equal([owner], p.Isr.ToArray());
        var summary = ClusterSummary.From(ctx.Image, 0);
        Assert.Equal(1, summary.OfflinePartitions);
        Assert.Equal(1, summary.FencedBrokers);
        ctx.Heartbeat(owner);
        p = ctx.Partition("solo", 0);
        Assert.Equal(owner, p.Leader);
        Assert.Equal(2, p.LeaderEpoch);
    }

    [Fact]
    public void UncleanElection_WhenTopicAllowsIt_ElectsAnOutOfSyncReplica()
    {
        var ctx = new ControllerTestContext().WithBrokers(2);
        ctx.CreateTopic("lossy", 1, 2, new Dictionary<string, string> { [ConfigNames.UncleanLeaderElectionEnable] = "true" });
        var leader = ctx.Partition("lossy", 0).Leader;
        var follower = 1 - leader;
        Assert.Equal(ErrorCode.None, ctx.AlterIsr("lossy", 0, leader).Error);
        ctx.Advance(Session, follower);
        var p = ctx.Partition("lossy", 0);
        Assert.Equal(follower, p.Leader);
        Assert.Equal([follower], p.Isr.ToArray());
    }

    [Fact]
    public void CreateTopics_SixBrokersThreeRacks_SpreadsReplicasLeadersAndRacks()
    {
        var ctx = new ControllerTestContext().WithBrokers(6, "a", "b", "c");
        var topic = ctx.CreateTopic("events", 12, 3);
        var replicaCounts = new int[6];
        var leaderCounts = new int[6];
        foreach (var p in topic.Partitions.Values)
        {
            Assert.Equal(3, p.Replicas.Select(r => ctx.Image.Brokers[r].Rack).Distinct().Count());
            Assert.Equal(p.Replicas, p.Isr.ToArray());
            Assert.Equal(p.Replicas[0], p.Leader);
            foreach (var r in p.Replicas) replicaCounts[r]++;
            leaderCounts[p.Leader]++;
        }
        Assert.All(replicaCounts, c => Assert.Equal(6, c));
        Assert.All(leaderCounts, c => Assert.Equal(2, c));
    }

    [Fact]
    public void CreateTopics_InvalidRequests_GetKafkaErrorCodes()
    {
        var ctx = new ControllerTestContext().WithBrokers(2);
        ctx.CreateTopic("a.b", 1, 1);
        var results = ctx.Run(ctx.Controller.CreateTopics([
            new CreatableTopic("a.b", 1, 1),
            new CreatableTopic("a_b", 1, 1),
            new CreatableTopic("bad name", 1, 1),
            new CreatableTopic("big", 1, 3),
            new CreatableTopic("none", 0, 1),
            new CreatableTopic("rf0", 1, 0),
            new CreatableTopic("manual", Assignments: new Dictionary<int, IReadOnlyList<int>> { [0] = [0, 0] }),
            new CreatableTopic("ghost", Assignments: new Dictionary<int, IReadOnlyList<int>> { [0] = [5] }),
            new CreatableTopic("ok", Assignments: new Dictionary<int, IReadOnlyList<int>> { [0] = [1, 0], [1] = [0, 1] }),
        ]));
        Assert.Equal(
            [ErrorCode.TopicAlreadyExists, ErrorCode.InvalidTopicException, ErrorCode.InvalidTopicException, ErrorCode.InvalidReplicationFactor,
             ErrorCode.InvalidPartitions, ErrorCode.InvalidReplicationFactor, ErrorCode.InvalidReplicaAssignment, ErrorCode.InvalidReplicaAssignment, ErrorCode.None],
            results.Select(r => r.Error));
        Assert.Equal(1, ctx.Partition("ok", 0).Leader);
        Assert.Empty(ctx.Controller.CreateTopics([new CreatableTopic("dry", 3, 2)], validateOnly: true).Records);
    }

    [Fact]
    public void DeleteTopics_RemovesTopicAndItsConfigs_UnknownGetsError()
    {
        var ctx = new ControllerTestContext().WithBrokers(1);
        var topic = ctx.CreateTopic("gone", 2, 1, new Dictionary<string, string> { ["retention.ms"] = "1000" });
        var results = ctx.Run(ctx.Controller.DeleteTopics(["gone", "never"], [Guid.NewGuid()]));
        Assert.Equal([ErrorCode.None, ErrorCode.UnknownTopicOrPartition, ErrorCode.UnknownTopicId], results.Select(r => r.Error));
        Assert.Equal(topic.Id, results[0].TopicId);
        Assert.Null(ctx.Image.GetTopic("gone"));
        Assert.Empty(ctx.Image.Configs);
    }

    [Fact]
    public void CreatePartitions_GrowsWithSameReplicationFactor_RejectsShrink()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.CreateTopic("grow", 2, 2);
        var results = ctx.Run(ctx.Controller.CreatePartitions([new CreatePartitionsTopic("grow", 5), new CreatePartitionsTopic("nope", 2)]));
        Assert.Equal([ErrorCode.None, ErrorCode.UnknownTopicOrPartition], results.Select(r => r.Error));
        Assert.All(ctx.Image.GetTopic("grow")!.Partitions.Values, p => Assert.Equal(2, p.Replicas.Length));
        Assert.Equal(5, ctx.Image.GetTopic("grow")!.Partitions.Count);
        Assert.Equal(ErrorCode.InvalidPartitions, ctx.Controller.CreatePartitions([new CreatePartitionsTopic("grow", 3)]).Response[0].Error);
    }

    [Fact]
    public void ControlledShutdown_MovesLeadershipsAway_ThenSaysShutDown()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.CreateTopic("t", 6, 3);
        var reply = ctx.Heartbeat(1, wantShutDown: true);
        Assert.True(reply.ShouldShutDown);
        Assert.True(ctx.Image.Brokers[1].Fenced);
        Assert.All(ctx.Image.GetTopic("t")!.Partitions.Values, p =>
        {
            Assert.NotEqual(1, p.Leader);
            Assert.DoesNotContain(1, p.Isr);
        });
    }

    [Fact]
    public void AlterPartition_StaleOrInvalidRequests_AreFenced()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        var topic = ctx.CreateTopic("t", 1, 3);
        var p = ctx.Partition("t", 0);
        var leader = p.Leader;
        var follower = p.Replicas.First(r => r != leader);
        AlterPartitionResult Send(int broker, int leaderEpoch, int partitionEpoch, params int[] isr) =>
            ctx.Run(ctx.Controller.AlterPartition(new AlterPartitionRequest(broker, ctx.Epochs[broker],
                [new AlterPartitionItem(topic.Id, 0, leaderEpoch, isr, partitionEpoch)])))[0];

        Assert.Equal(ErrorCode.NotLeaderOrFollower, Send(follower, p.LeaderEpoch, p.PartitionEpoch, follower).Error);
        Assert.Equal(ErrorCode.FencedLeaderEpoch, Send(leader, p.LeaderEpoch - 1, p.PartitionEpoch, leader).Error);
        Assert.Equal(ErrorCode.InvalidUpdateVersion, Send(leader, p.LeaderEpoch, p.PartitionEpoch + 1, leader).Error);
        Assert.Equal(ErrorCode.InvalidRequest, Send(leader, p.LeaderEpoch, p.PartitionEpoch, follower).Error);
        var ok = Send(leader, p.LeaderEpoch, p.PartitionEpoch, leader);
        Assert.Equal(ErrorCode.None, ok.Error);
        Assert.Equal(p.PartitionEpoch + 1, ok.PartitionEpoch);
        Assert.Equal(ErrorCode.InvalidUpdateVersion, Send(leader, p.LeaderEpoch, p.PartitionEpoch, leader, follower).Error);
        ctx.Advance(Session, 0, 1, 2);
        ctx.Advance(Session, p.Replicas.Where(r => r != follower).ToArray());
        Assert.Equal(ErrorCode.IneligibleReplica, Send(leader, p.LeaderEpoch, ok.PartitionEpoch, leader, follower).Error);
        var stale = ctx.Controller.AlterPartition(new AlterPartitionRequest(leader, 999, [new AlterPartitionItem(topic.Id, 0, p.LeaderEpoch, [leader], ok.PartitionEpoch)]));
        Assert.Equal(ErrorCode.StaleBrokerEpoch, stale.Response[0].Error);
    }

    [Fact]
    public void ElectLeaders_Preferred_RestoresFirstReplicaOnceBackInIsr()
    {
        var ctx = new ControllerTestContext(new QuorumControllerOptions { AutoLeaderRebalanceEnable = false }).WithBrokers(2);
        ctx.CreateTopic("t", 1, 2);
        var preferred = ctx.Partition("t", 0).Leader;
        var other = 1 - preferred;
        ctx.Advance(Session, other);
        Assert.Equal(other, ctx.Partition("t", 0).Leader);
        ctx.Heartbeat(preferred);
        var tp = new TopicPartitionName("t", 0);
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, ctx.Run(ctx.Controller.ElectLeaders(ElectionType.Preferred, [tp]))[0].Error);
        Assert.Equal(ErrorCode.None, ctx.AlterIsr("t", 0, other, preferred).Error);
        Assert.Equal(ErrorCode.None, ctx.Run(ctx.Controller.ElectLeaders(ElectionType.Preferred, [tp]))[0].Error);
        Assert.Equal(preferred, ctx.Partition("t", 0).Leader);
        Assert.Equal(ErrorCode.ElectionNotNeeded, ctx.Run(ctx.Controller.ElectLeaders(ElectionType.Preferred, [tp]))[0].Error);
        Assert.Equal(ErrorCode.ElectionNotNeeded, ctx.Run(ctx.Controller.ElectLeaders(ElectionType.Unclean, [tp]))[0].Error);
    }

    [Fact]
    public void AutoLeaderRebalance_OnTick_MovesLeadershipBackToPreferredReplica()
    {
        var ctx = new ControllerTestContext(new QuorumControllerOptions { LeaderImbalanceCheckInterval = TimeSpan.FromSeconds(30) }).WithBrokers(2);
        ctx.CreateTopic("t", 1, 2);
        var preferred = ctx.Partition("t", 0).Leader;
        var other = 1 - preferred;
        ctx.Advance(Session, other);
        ctx.Heartbeat(preferred);
        ctx.AlterIsr("t", 0, other, preferred);
        ctx.Advance(TimeSpan.FromSeconds(30), 0, 1);
        Assert.Equal(preferred, ctx.Partition("t", 0).Leader);
    }

    [Fact]
    public void Reassignment_AddsReplicas_CompletesWhenIsrCatchesUp_AndCanBeCancelled()
    {
        var ctx = new ControllerTestContext().WithBrokers(4);
        ctx.Run(ctx.Controller.CreateTopics([new CreatableTopic("t", Assignments: new Dictionary<int, IReadOnlyList<int>> { [0] = [0, 1], [1] = [0, 1] })]));
        var results = ctx.Run(ctx.Controller.AlterPartitionReassignments([new ReassignmentRequest("t", 0, [2, 3]), new ReassignmentRequest("t", 1, [1, 2])]));
        Assert.All(results, r => Assert.Equal(ErrorCode.None, r.Error));
        var p = ctx.Partition("t", 0);
        Assert.Equal([2, 3, 0, 1], p.Replicas.ToArray());
        Assert.Equal([2, 3], p.AddingReplicas.ToArray());
        Assert.Equal([0, 1], p.RemovingReplicas.ToArray());
        Assert.Equal(2, ctx.Controller.ListPartitionReassignments().Count);

        Assert.Equal(ErrorCode.None, ctx.AlterIsr("t", 0, 0, 1, 2, 3).Error is ErrorCode.None or ErrorCode.NewLeaderElected ? ErrorCode.None : ErrorCode.UnknownServerError);
        p = ctx.Partition("t", 0);
        Assert.Equal([2, 3], p.Replicas.ToArray());
        Assert.Equal([2, 3], p.Isr.ToArray());
        Assert.Equal(2, p.Leader);
        Assert.False(p.IsReassigning);

        Assert.Equal(ErrorCode.None, ctx.Run(ctx.Controller.AlterPartitionReassignments([new ReassignmentRequest("t", 1, null)]))[0].Error);
        // Like Kafka, the original replicas come back as replicas minus adding, in the merged order.
        Assert.Equal([1, 0], ctx.Partition("t", 1).Replicas.ToArray());
        Assert.Empty(ctx.Controller.ListPartitionReassignments());
        Assert.Equal(ErrorCode.NoReassignmentInProgress, ctx.Controller.AlterPartitionReassignments([new ReassignmentRequest("t", 1, null)]).Response[0].Error);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, ctx.Controller.AlterPartitionReassignments([new ReassignmentRequest("t", 1, [9])]).Response[0].Error);
    }

    [Fact]
    public void DrainBroker_ReassignsEveryReplicaOffIt()
    {
        var ctx = new ControllerTestContext().WithBrokers(4, "a", "b");
        ctx.CreateTopic("t", 8, 2);
        var drained = ctx.Run(ctx.Controller.DrainBroker(3));
        Assert.Equal(ErrorCode.None, drained.Error);
        Assert.Equal(4, drained.ReassignedPartitions);
        Assert.All(ctx.Image.GetTopic("t")!.Partitions.Values, p => Assert.DoesNotContain(3, p.TargetReplicas));
        Assert.Equal(ErrorCode.BrokerIdNotRegistered, ctx.Controller.DrainBroker(9).Response.Error);
    }

    [Fact]
    public void ProducerIds_ConsecutiveBlocks_NeverOverlap()
    {
        var ctx = new ControllerTestContext().WithBrokers(2);
        var a = ctx.Run(ctx.Controller.AllocateProducerIds(0, ctx.Epochs[0]));
        var b = ctx.Run(ctx.Controller.AllocateProducerIds(1, ctx.Epochs[1]));
        Assert.Equal(0, a.FirstProducerId);
        Assert.Equal(a.FirstProducerId + a.Size, b.FirstProducerId);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, ctx.Controller.AllocateProducerIds(0, 12345).Response.Error);
    }

    [Fact]
    public void IncrementalAlterConfigs_SetAppendSubtractDelete_AndErrors()
    {
        var ctx = new ControllerTestContext().WithBrokers(1);
        ctx.CreateTopic("t", 1, 1);
        var topic = ConfigResource.Topic("t");
        ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(topic, [
            new AlterableConfig("cleanup.policy", AlterConfigOp.Append, "compact"),
            new AlterableConfig("retention.ms", AlterConfigOp.Set, "1000")])]));
        ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(topic, [new AlterableConfig("cleanup.policy", AlterConfigOp.Append, "delete")])]));
        Assert.Equal("compact,delete", ctx.Image.GetConfig(topic, "cleanup.policy"));
        ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(topic, [
            new AlterableConfig("cleanup.policy", AlterConfigOp.Subtract, "compact"),
            new AlterableConfig("retention.ms", AlterConfigOp.Delete, null)])]));
        Assert.Equal("delete", ctx.Image.GetConfig(topic, "cleanup.policy"));
        Assert.Null(ctx.Image.GetConfig(topic, "retention.ms"));
        var errors = ctx.Run(ctx.Controller.IncrementalAlterConfigs([
            new AlterConfigsResource(ConfigResource.Topic("missing"), [new AlterableConfig("retention.ms", AlterConfigOp.Set, "1")]),
            new AlterConfigsResource(topic, [new AlterableConfig(ConfigNames.MinInsyncReplicas, AlterConfigOp.Set, "zero")]),
            new AlterConfigsResource(ConfigResource.Broker("x"), [new AlterableConfig("a", AlterConfigOp.Set, "1")]),
        ]));
        Assert.Equal([ErrorCode.UnknownTopicOrPartition, ErrorCode.InvalidConfig, ErrorCode.InvalidRequest], errors.Select(e => e.Error));
    }

    [Fact]
    public void IncrementalAlterConfigs_ClientMetricsResource_IsStoredByName_AndGoesWhenItsLastConfigIsDeleted()
    {
        var ctx = new ControllerTestContext().WithBrokers(1);
        var subscription = ConfigResource.ClientMetrics("producers");
        ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(subscription, [
            new AlterableConfig("metrics", AlterConfigOp.Set, "org.apache.kafka.producer."),
            new AlterableConfig("interval.ms", AlterConfigOp.Set, "1000")])]));
        Assert.Equal("org.apache.kafka.producer.", ctx.Image.GetConfig(subscription, "metrics"));
        ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(subscription, [
            new AlterableConfig("metrics", AlterConfigOp.Delete, null),
            new AlterableConfig("interval.ms", AlterConfigOp.Delete, null)])]));
        Assert.False(ctx.Image.Configs.ContainsKey(subscription));
        var unnamed = ctx.Run(ctx.Controller.IncrementalAlterConfigs([new AlterConfigsResource(ConfigResource.ClientMetrics(""), [new AlterableConfig("metrics", AlterConfigOp.Set, "*")])]));
        Assert.Equal(ErrorCode.InvalidRequest, Assert.Single(unnamed).Error);
    }

    [Fact]
    public void Commands_WhenInactive_Throw()
    {
        var ctx = new ControllerTestContext();
        ctx.Controller.Deactivate();
        Assert.Throws<InvalidOperationException>(() => ctx.Controller.Tick());
    }
}
