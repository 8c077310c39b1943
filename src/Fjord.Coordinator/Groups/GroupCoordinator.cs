using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// The classic group coordinator as a pure state machine (Kafka's GroupCoordinator/GroupMetadataManager
/// for the classic protocol): JoinGroup, SyncGroup, Heartbeat, LeaveGroup, offset commits and the admin
/// APIs go in as commands, <see cref="Tick"/> evaluates session, join, sync and retention deadlines
/// against the injected <see cref="TimeProvider"/>, and every command returns a
/// <see cref="CoordinatorResult{TResponse}"/>: records for <c>__consumer_offsets</c>, responses to
/// JoinGroup/SyncGroup requests parked earlier, and its own answer (null while deferred).
/// <para>
/// Persistent state (committed offsets, group snapshots, deletions) changes only through
/// <see cref="Replay"/>, which the shell calls for each record once it is appended and which loading
/// calls for each record read back. Membership of a group that is being served (members, pending
/// joins, timers) is in-memory state, as in Kafka; the group metadata record is its snapshot for
/// failover.
/// </para>
/// Not thread-safe: owned by one event loop (<see cref="GroupCoordinatorService"/>), no locks inside.
/// </summary>
public sealed partial class GroupCoordinator
{
    private readonly GroupCoordinatorConfig _config;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ITopicPartitionView? _partitionView;
    private readonly IConsumerGroupConfigs? _groupConfigs;
    private readonly ConsumerGroups.ITopicCatalog? _topics;
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<int, CoordinatorPartitionState> _partitions = [];
    private List<CoordinatorRecord>? _records;
    private List<DeferredResponse>? _completions;
    private long _nextOffsetExpiryCheckMs = -1;

    public GroupCoordinator(GroupCoordinatorConfig config, TimeProvider time, Random random, ITopicPartitionView? partitionView = null, IConsumerGroupConfigs? groupConfigs = null)
    {
        _config = config;
        _groupConfigs = groupConfigs;
        _time = time;
        _random = random;
        _partitionView = partitionView;

        // KIP-848 groups resolve subscriptions against the topic catalogue when the view offers one.
        _topics = partitionView as ConsumerGroups.ITopicCatalog;
    }

    public GroupCoordinatorConfig Config => _config;

    public IReadOnlyCollection<ClassicGroup> Groups => _groups.Values;

    public ClassicGroup? TryGetGroup(string groupId) => _groups.GetValueOrDefault(groupId);

    /// <summary>The <c>__consumer_offsets</c> partition of <paramref name="groupId"/>.</summary>
    public int PartitionFor(string groupId) => ConsumerOffsetsPartitioner.PartitionFor(groupId, _config.OffsetsTopicNumPartitions);

    public CoordinatorPartitionState? PartitionState(int partition) =>
        _partitions.TryGetValue(partition, out var state) ? state : null;

    /// <summary>This node became leader of <paramref name="partition"/>: its groups answer COORDINATOR_LOAD_IN_PROGRESS until <see cref="CompleteLoading"/>.</summary>
    public void BeginLoading(int partition) => _partitions[partition] = CoordinatorPartitionState.Loading;

    /// <summary>
    /// Every record of <paramref name="partition"/> has been replayed: its groups become servable.
    /// Members restored from a snapshot get a fresh session timeout, as in Kafka, so a consumer that
    /// survived the coordinator's restart keeps its place if it heartbeats in time.
    /// </summary>
    public void CompleteLoading(int partition)
    {
        var now = Now;
        _partitions[partition] = CoordinatorPartitionState.Active;
        foreach (var group in _groups.Values)
        {
            if (group.Partition != partition)
            {
                continue;
            }

            foreach (var member in group.Members)
            {
                member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
            }
        }

        CompleteLoadingConsumerGroups(partition, now);
    }

    /// <summary>This node lost <paramref name="partition"/>: its groups are forgotten and parked requests answered NOT_COORDINATOR.</summary>
    public CoordinatorOutput Unload(int partition)
    {
        Begin();
        _partitions.Remove(partition);
        foreach (var group in _groups.Values.ToList())
        {
            if (group.Partition != partition)
            {
                continue;
            }

            foreach (var member in group.Members)
            {
                FailParked(member, ErrorCode.NotCoordinator);
            }

            _groups.Remove(group.GroupId);
        }

        UnloadConsumerGroups(partition);
        UnloadTransactionalOffsets(partition);
        return FinishOutput();
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Kafka's validateGroupStatus: id, load state and ownership, in that order.</summary>
    private ErrorCode Validate(string? groupId, bool requireNonEmptyId, out int partition)
    {
        partition = -1;
        if (groupId is null || (requireNonEmptyId && groupId.Length == 0))
        {
            return ErrorCode.InvalidGroupId;
        }

        partition = PartitionFor(groupId);
        return PartitionState(partition) switch
        {
            CoordinatorPartitionState.Active => ErrorCode.None,
            CoordinatorPartitionState.Loading => ErrorCode.CoordinatorLoadInProgress,
            _ => ErrorCode.NotCoordinator,
        };
    }

    private void Begin()
    {
        _records = null;
        _completions = null;
    }

    private void Emit(CoordinatorRecord record) => (_records ??= []).Add(record);

    private void Complete(PendingRequest pending, IResponseMessage response) => (_completions ??= []).Add(new DeferredResponse(pending.Token, response));

    private CoordinatorResult<T> Finish<T>(T? response, TransactionalProducer? transaction = null)
        where T : class, IResponseMessage
    {
        var result = new CoordinatorResult<T>(response, _records, _completions) { Transaction = transaction };
        _records = null;
        _completions = null;
        return result;
    }

    private CoordinatorOutput FinishOutput()
    {
        var output = new CoordinatorOutput(_records, _completions);
        _records = null;
        _completions = null;
        return output;
    }

    /// <summary>Answers whatever the member has parked with <paramref name="error"/>.</summary>
    private void FailParked(GroupMember member, ErrorCode error)
    {
        if (member.PendingJoin is { } join)
        {
            Complete(join, JoinError(join.Version, error, member.MemberId));
            member.PendingJoin = null;
        }

        if (member.PendingSync is { } sync)
        {
            Complete(sync, SyncError(sync.Version, error));
            member.PendingSync = null;
        }
    }

    /// <summary>Kafka's member id shape: client id (or group.instance.id for static members), '-', a UUID.</summary>
    private string GenerateMemberId(string clientId, string? groupInstanceId)
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return (groupInstanceId ?? clientId) + "-" + new Guid(bytes).ToString("D");
    }

    private GroupMetadataRecord Snapshot(ClassicGroup group)
    {
        var members = new List<GroupMemberMetadata>(group.MemberCount);
        foreach (var member in group.Members)
        {
            members.Add(new GroupMemberMetadata(
                member.MemberId,
                member.GroupInstanceId,
                member.ClientId,
                member.ClientHost,
                member.RebalanceTimeoutMs,
                member.SessionTimeoutMs,
                member.MetadataFor(group.ProtocolName),
                member.Assignment));
        }

        return new GroupMetadataRecord(group.GroupId, new GroupMetadataValue(
            group.ProtocolType ?? "",
            group.GenerationId,
            group.ProtocolName,
            group.LeaderId,
            group.CurrentStateTimestampMs,
            members));
    }
}
