using System.Collections.Immutable;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// Leader and ISR changes: AlterPartition from partition leaders (KIP-497, KIP-841 eligibility), and
// ElectLeaders (KIP-183 preferred, KIP-460 unclean).
public sealed partial class QuorumController
{
    /// <summary>
    /// Applies a leader's ISR change when it acts on the current leader epoch and partition epoch
    /// (FENCED_LEADER_EPOCH / INVALID_UPDATE_VERSION otherwise) and every new ISR member is an eligible
    /// replica (INELIGIBLE_REPLICA). An ISR that now holds all target replicas of a reassignment completes it.
    /// </summary>
    public ControllerResult<IReadOnlyList<AlterPartitionResult>> AlterPartition(AlterPartitionRequest request)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<AlterPartitionResult>();
        var brokerOk = Image.Brokers.TryGetValue(request.BrokerId, out var broker);
        foreach (var item in request.Partitions)
        {
            var p = builder.Image.GetPartition(item.TopicId, item.Partition);
            AlterPartitionResult Result(ErrorCode error, PartitionRegistration? state) => state is null
                ? new(item.TopicId, item.Partition, error, -1, -1, [], -1)
                : new(item.TopicId, item.Partition, error, state.Leader, state.LeaderEpoch, state.Isr, state.PartitionEpoch);
            if (!brokerOk || broker!.Epoch != request.BrokerEpoch) { results.Add(Result(ErrorCode.StaleBrokerEpoch, null)); continue; }
            if (builder.Image.GetTopic(item.TopicId) is null) { results.Add(Result(ErrorCode.UnknownTopicId, null)); continue; }
            if (p is null) { results.Add(Result(ErrorCode.UnknownTopicOrPartition, null)); continue; }
            if (p.Leader != request.BrokerId) { results.Add(Result(ErrorCode.NotLeaderOrFollower, p)); continue; }
            if (item.LeaderEpoch != p.LeaderEpoch) { results.Add(Result(ErrorCode.FencedLeaderEpoch, p)); continue; }
            if (item.PartitionEpoch != p.PartitionEpoch) { results.Add(Result(ErrorCode.InvalidUpdateVersion, p)); continue; }
            var newIsr = item.NewIsr.ToImmutableArray();
            if (newIsr.Distinct().Count() != newIsr.Length || !newIsr.All(p.Replicas.Contains) || !newIsr.Contains(p.Leader))
            {
                results.Add(Result(ErrorCode.InvalidRequest, p));
                continue;
            }
            if (!newIsr.All(r => IsEligible(builder.Image, r))) { results.Add(Result(ErrorCode.IneligibleReplica, p)); continue; }
            var cb = ChangeBuilder(builder, item.TopicId, item.Partition);
            cb.TargetIsr = newIsr;
            CompleteReassignmentIfCaughtUp(cb);
            builder.Add(cb.Build());
            var after = builder.Image.GetPartition(item.TopicId, item.Partition)!;
            results.Add(Result(after.Leader == request.BrokerId ? ErrorCode.None : ErrorCode.NewLeaderElected, after));
        }
        return builder.Result<IReadOnlyList<AlterPartitionResult>>(results);
    }

    /// <summary>
    /// Elects leaders: preferred (move to the first replica when it is an eligible ISR member) or unclean
    /// (only for leaderless partitions; any eligible replica when no ISR member is). Null partitions means
    /// every partition, and then only partitions where something happened are reported.
    /// </summary>
    public ControllerResult<IReadOnlyList<ElectLeadersResult>> ElectLeaders(ElectionType type, IReadOnlyList<TopicPartitionName>? partitions)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<ElectLeadersResult>();
        var all = partitions is null;
        var targets = partitions ?? [.. Image.TopicsById.Values.SelectMany(t => t.Partitions.Keys.Select(p => new TopicPartitionName(t.Name, p)))];
        foreach (var tp in targets)
        {
            var result = ElectLeader(builder, type, tp);
            if (!all || result.Error is ErrorCode.None) results.Add(result);
        }
        return builder.Result<IReadOnlyList<ElectLeadersResult>>(results);
    }

    private ElectLeadersResult ElectLeader(ControllerRecordBuilder builder, ElectionType type, TopicPartitionName tp)
    {
        var topic = builder.Image.GetTopic(tp.Topic);
        if (topic is null || !topic.Partitions.TryGetValue(tp.Partition, out var p))
            return new(tp.Topic, tp.Partition, ErrorCode.UnknownTopicOrPartition, "The partition does not exist.");
        var cb = ChangeBuilder(builder, topic.Id, tp.Partition);
        if (type == ElectionType.Preferred)
        {
            if (p.Leader == p.PreferredLeader) return new(tp.Topic, tp.Partition, ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
            cb.Election = LeaderElection.Preferred;
            var change = cb.Build();
            if (cb.NewLeader != p.PreferredLeader)
                return new(tp.Topic, tp.Partition, ErrorCode.PreferredLeaderNotAvailable, $"Failed to elect leader for partition {tp.Topic}-{tp.Partition} under strategy PREFERRED.");
            builder.Add(change);
            return new(tp.Topic, tp.Partition, ErrorCode.None, null);
        }
        if (p.HasLeader && IsEligible(builder.Image, p.Leader))
            return new(tp.Topic, tp.Partition, ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        cb.Election = LeaderElection.Unclean;
        var unclean = cb.Build();
        if (cb.NewLeader == PartitionRegistration.NoLeader)
            return new(tp.Topic, tp.Partition, ErrorCode.EligibleLeadersNotAvailable, $"Failed to elect leader for partition {tp.Topic}-{tp.Partition} under strategy UNCLEAN.");
        builder.Add(unclean);
        return new(tp.Topic, tp.Partition, ErrorCode.None, null);
    }

    /// <summary>The auto-rebalance sweep: preferred leaders back wherever they are eligible ISR members.</summary>
    private void ElectPreferredWherePossible(ControllerRecordBuilder builder)
    {
        var image = builder.Image;
        foreach (var topic in image.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.Leader == p.PreferredLeader || !p.Isr.Contains(p.PreferredLeader) || !IsEligible(image, p.PreferredLeader)) continue;
                var cb = ChangeBuilder(builder, topic.Id, index);
                cb.Election = LeaderElection.Preferred;
                builder.Add(cb.Build());
            }
    }
}
