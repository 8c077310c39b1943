using System.Collections.Immutable;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// Partition reassignment (KIP-455): the replica set grows to target ∪ current with adding/removing
// marked; leaders' fetchers bring the adding replicas into the ISR (the replication layer moves the
// data); once every target replica is in the ISR, the reassignment completes and the removed
// replicas leave (AlterPartition triggers that, see CompleteReassignmentIfCaughtUp).
public sealed partial class QuorumController
{
    /// <summary>Starts, replaces or (with null targets) cancels reassignments.</summary>
    public ControllerResult<IReadOnlyList<ReassignmentResult>> AlterPartitionReassignments(IReadOnlyList<ReassignmentRequest> requests)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<ReassignmentResult>();
        foreach (var r in requests)
        {
            var (error, message) = Reassign(builder, r.Topic, r.Partition, r.TargetReplicas);
            results.Add(new ReassignmentResult(r.Topic, r.Partition, error, message));
        }
        return builder.Result<IReadOnlyList<ReassignmentResult>>(results);
    }

    private (ErrorCode, string?) Reassign(ControllerRecordBuilder builder, string topicName, int partition, IReadOnlyList<int>? target)
    {
        var topic = builder.Image.GetTopic(topicName);
        if (topic is null || !topic.Partitions.TryGetValue(partition, out var p))
            return (ErrorCode.UnknownTopicOrPartition, "The partition does not exist.");
        var cb = ChangeBuilder(builder, topic.Id, partition);
        if (target is null)
        {
            if (!p.IsReassigning) return (ErrorCode.NoReassignmentInProgress, $"No ongoing reassignment for {topicName}-{partition}.");
            var original = p.OriginalReplicas;
            cb.TargetReplicas = original;
            cb.TargetIsr = Intersect(p.Isr, original);
            cb.TargetAdding = [];
            cb.TargetRemoving = [];
            builder.Add(cb.Build());
            return (ErrorCode.None, null);
        }
        // Kafka's ReplicationControlManager.validateManualPartitionAssignment messages.
        if (target.Count == 0) return (ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
        foreach (var b in target)
            if (!builder.Image.Brokers.ContainsKey(b))
                return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes broker {b}, but no such broker is registered.");
        var seen = new HashSet<int>();
        foreach (var b in target)
            if (!seen.Add(b)) return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {b} more than once.");
        // A new reassignment replaces one in progress: it starts from the original replicas (KIP-455).
        var current = p.OriginalReplicas;
        ImmutableArray<int> targetArray = [.. target];
        cb.TargetReplicas = [.. targetArray, .. current.Where(c => !targetArray.Contains(c))];
        cb.TargetAdding = [.. targetArray.Where(t => !current.Contains(t))];
        cb.TargetRemoving = [.. current.Where(c => !targetArray.Contains(c))];
        CompleteReassignmentIfCaughtUp(cb);
        builder.Add(cb.Build());
        return (ErrorCode.None, null);
    }

    /// <summary>
    /// Completes a reassignment whose target replicas are all in the (target) ISR: replicas become the
    /// target, removed replicas leave the ISR, and the builder re-elects if the leader was removed.
    /// </summary>
    private static void CompleteReassignmentIfCaughtUp(PartitionChangeBuilder cb)
    {
        if (cb.TargetAdding.IsEmpty && cb.TargetRemoving.IsEmpty) return;
        var removing = cb.TargetRemoving;
        ImmutableArray<int> target = [.. cb.TargetReplicas.Where(r => !removing.Contains(r))];
        if (!target.All(cb.TargetIsr.Contains)) return;
        cb.TargetReplicas = target;
        cb.TargetIsr = Intersect(cb.TargetIsr, target);
        cb.TargetAdding = [];
        cb.TargetRemoving = [];
    }

    /// <summary>Reassignments in progress, for the given partitions or all.</summary>
    public IReadOnlyList<OngoingReassignment> ListPartitionReassignments(IReadOnlyList<TopicPartitionName>? partitions = null)
    {
        var result = new List<OngoingReassignment>();
        IEnumerable<(TopicImage Topic, int Partition)> targets = partitions is null
            ? Image.TopicsById.Values.SelectMany(t => t.Partitions.Keys.Select(p => (t, p)))
            : partitions.Select(tp => (Image.GetTopic(tp.Topic)!, tp.Partition)).Where(x => x.Item1 is not null);
        foreach (var (topic, index) in targets)
        {
            if (!topic.Partitions.TryGetValue(index, out var p) || !p.IsReassigning) continue;
            result.Add(new OngoingReassignment(topic.Name, index, p.Replicas, p.AddingReplicas, p.RemovingReplicas));
        }
        return result;
    }

    /// <summary>
    /// Moves every replica off a broker (before scale-in): each partition hosting it is reassigned with the
    /// broker replaced by a usable one, preferring racks the partition does not use yet. Leadership
    /// follows when the reassignments complete.
    /// </summary>
    public ControllerResult<DrainBrokerResult> DrainBroker(int brokerId)
    {
        EnsureActive();
        if (!Image.Brokers.ContainsKey(brokerId)) return new([], new DrainBrokerResult(ErrorCode.BrokerIdNotRegistered, 0, $"Broker {brokerId} is not registered."));
        var builder = new ControllerRecordBuilder(Image);
        var placer = new ReplicaPlacer(Image, UsableBrokers(Image).Where(b => b.Id != brokerId));
        var moved = 0;
        var stuck = 0;
        foreach (var topic in Image.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                var target = p.TargetReplicas;
                if (!target.Contains(brokerId)) continue;
                var racks = target.Where(r => r != brokerId && Image.Brokers.ContainsKey(r)).Select(r => ReplicaPlacer.RackOf(Image.Brokers[r])).ToList();
                if (placer.PlaceOne([.. p.Replicas], racks) is not { } replacement) { stuck++; continue; }
                var newTarget = target.Select(r => r == brokerId ? replacement : r).ToList();
                var (error, _) = Reassign(builder, topic.Name, index, newTarget);
                if (error == ErrorCode.None) moved++;
                else stuck++;
            }
        var reply = stuck == 0
            ? new DrainBrokerResult(ErrorCode.None, moved, null)
            : new DrainBrokerResult(ErrorCode.InvalidReplicationFactor, moved, $"{stuck} partition(s) have no other usable broker to move to.");
        return builder.Result(reply);
    }
}
