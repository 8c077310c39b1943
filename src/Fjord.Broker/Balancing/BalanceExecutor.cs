using System.Collections.Immutable;
using System.Globalization;
using Fjord.Broker.Admin;
using Fjord.Broker.Controller;
using Fjord.Broker.Handlers;
using Fjord.Broker.Quorum;
using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Metadata.Balancing;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Balancing;

/// <summary>
/// The shell around <see cref="BalancePlanner"/> (issue 16): gathers the inputs (this node's committed image and every
/// unfenced broker's replica sizes over admin gRPC), and executes a plan through the machinery a Kafka admin client
/// would use — the KIP-73 throttle configs (IncrementalAlterConfigs), AlterPartitionReassignments (KIP-455), then a
/// preferred-leader election (KIP-460) and removal of the throttle once every move has finished (what
/// kafka-reassign-partitions --verify does). One execution at a time per node; the admin service runs executions on
/// the active controller's node. Thread-safe.
/// </summary>
public sealed partial class BalanceExecutor(
    MetadataQuorum quorum, ControllerChannels channels, ApiHandlerRegistry handlers, TimeProvider time, ILogger<BalanceExecutor> logger) : IDisposable
{
    private static readonly TimeSpan SizeRequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private BalanceExecution? _current;
    private bool _starting;

    /// <summary>This broker's replicas and their sizes, from its DescribeLogDirs handler.</summary>
    public async Task<DescribeReplicaSizesResponse> LocalReplicaSizesAsync(CancellationToken cancel)
    {
        var response = await AdminGrpcService.KafkaAsync<DescribeLogDirsResponse>(handlers, new DescribeLogDirsRequest { Topics = null }, 1, cancel).ConfigureAwait(false);
        var reply = new DescribeReplicaSizesResponse { BrokerId = quorum.NodeId };
        foreach (var dir in response.Results)
            foreach (var topic in dir.Topics)
                foreach (var p in topic.Partitions)
                    reply.Replicas.Add(new ReplicaSize { Topic = topic.Name, Partition = p.PartitionIndex, SizeBytes = p.PartitionSize });
        return reply;
    }

    /// <summary>
    /// Plans with this node's committed image; a drain broker that is not registered, an unknown topic or a replication
    /// factor the brokers cannot hold is an error.
    /// </summary>
    public async Task<(ErrorCode Error, string? Message, BalancePlan? Plan)> ProposeAsync(BalanceRequest request, CancellationToken cancel)
    {
        var image = quorum.StateMachine.Image;
        foreach (var id in request.DrainBrokers)
            if (!image.Brokers.ContainsKey(id)) return (ErrorCode.BrokerIdNotRegistered, $"Broker {id} is not registered.", null);
        var targets = image.Brokers.Values.Count(b => b.IsEligibleReplica && !request.DrainBrokers.Contains(b.Id));
        foreach (var factor in request.ReplicationFactors)
        {
            if (image.GetTopic(factor.Topic) is null) return (ErrorCode.UnknownTopicOrPartition, $"Topic '{factor.Topic}' does not exist.", null);
            if (factor.ReplicationFactor < 1 || factor.ReplicationFactor > targets)
                return (ErrorCode.InvalidReplicationFactor,
                    $"Replication factor {factor.ReplicationFactor} for '{factor.Topic}' must be between 1 and the {targets} broker(s) that can take replicas.", null);
        }
        var sizes = await PartitionSizesAsync(image, cancel).ConfigureAwait(false);
        var options = new BalanceOptions(
            request.DrainOnly ? BalanceMode.DrainOnly : BalanceMode.Full,
            request.ByteImbalanceTolerance > 0 ? request.ByteImbalanceTolerance : BalanceOptions.Default.ByteImbalanceTolerance,
            request.ReplicationFactors.GroupBy(f => f.Topic, StringComparer.Ordinal).ToImmutableDictionary(g => g.Key, g => g.Last().ReplicationFactor, StringComparer.Ordinal));
        var plan = BalancePlanner.Plan(BalanceInput.FromImage(image, sizes, [.. request.DrainBrokers]), options);
        return (ErrorCode.None, null, plan);
    }

    /// <summary>Plans afresh and starts the moves; refused while an execution or any reassignment is running.</summary>
    public async Task<ExecuteBalanceResponse> ExecuteAsync(BalanceRequest request, CancellationToken cancel)
    {
        lock (_lock)
        {
            if (_current is { Finished: null } running)
                return new ExecuteBalanceResponse { Error = Failed(ErrorCode.ReassignmentInProgress, $"Balance {running.Id} is still running."), BalanceId = running.Id };
            if (_starting) return new ExecuteBalanceResponse { Error = Failed(ErrorCode.ReassignmentInProgress, "Another balance is starting.") };
            _starting = true;
        }
        try
        {
            return await StartAsync(request, cancel).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _starting = false;
        }
    }

    private async Task<ExecuteBalanceResponse> StartAsync(BalanceRequest request, CancellationToken cancel)
    {
        var reassigning = Reassigning(quorum.StateMachine.Image);
        if (reassigning > 0)
            return new ExecuteBalanceResponse { Error = Failed(ErrorCode.ReassignmentInProgress, $"{reassigning} partition reassignment(s) are running; wait for them or cancel them first.") };
        var (error, message, plan) = await ProposeAsync(request, cancel).ConfigureAwait(false);
        if (plan is null) return new ExecuteBalanceResponse { Error = Failed(error, message) };

        var id = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var throttle = Math.Max(0, request.ThrottleBytesPerSecond);
        var moving = plan.Moves.Where(m => m.CopiesData).ToList();
        var throttled = throttle > 0 && moving.Count > 0;
        if (throttled)
        {
            var throttleError = await AlterThrottleAsync(moving, throttle, cancel).ConfigureAwait(false);
            if (throttleError is not null) return new ExecuteBalanceResponse { Error = throttleError, Proposal = AdminGrpcService.ToProto(plan) };
        }
        HashSet<(string, int)> refused;
        try
        {
            refused = await ReassignAsync(plan.Moves, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (throttled)
        {
            // Nothing started (or nothing we know of): take the throttle back off before reporting the failure.
            BalanceLog.MonitorFailed(logger, id, e);
            await RemoveThrottleAsync(moving, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var execution = new BalanceExecution(id, plan, refused, throttled ? throttle : 0, time.GetUtcNow());
        lock (_lock) _current = execution;
        BalanceLog.Started(logger, id, plan.Moves.Length, plan.ReplicaMoves, plan.BytesToMove, throttle);
        _ = Task.Run(() => MonitorAsync(execution, moving, _stopping.Token), CancellationToken.None);
        return new ExecuteBalanceResponse { Error = new Error(), Proposal = AdminGrpcService.ToProto(plan), BalanceId = id };
    }

    /// <summary>The current (or last) execution's progress; without one, what the image shows.</summary>
    public DescribeBalanceResponse Describe()
    {
        var image = quorum.StateMachine.Image;
        var reassigning = Reassigning(image);
        BalanceExecution? current;
        lock (_lock) current = _current;
        if (current is not null) return current.Describe(image, reassigning);
        return new DescribeBalanceResponse
        {
            Error = new Error(),
            State = reassigning > 0 ? BalanceState.Unknown : BalanceState.None,
            ReassigningPartitions = reassigning,
            Message = reassigning > 0 ? "Reassignments run that this controller did not start." : "",
        };
    }

    private async Task MonitorAsync(BalanceExecution execution, List<PartitionMove> moving, CancellationToken cancel)
    {
        try
        {
            while (!execution.AllDone(quorum.StateMachine.Image))
                await Task.Delay(MonitorInterval, time, cancel).ConfigureAwait(false);
            // KIP-460: the plan chose preferred leaders; make them the leaders now that the replicas are in place.
            if (execution.Plan.Moves.Length > 0)
                await ElectPreferredLeadersAsync(execution.Plan.Moves, cancel).ConfigureAwait(false);
            if (execution.Throttle > 0 && moving.Count > 0)
                await RemoveThrottleAsync(moving, cancel).ConfigureAwait(false);
            execution.Finish(time.GetUtcNow(), null);
            BalanceLog.Finished(logger, execution.Id, (time.GetUtcNow() - execution.Started).TotalSeconds);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            execution.Finish(time.GetUtcNow(), "The broker shut down before the balance finished.");
        }
        catch (Exception e)
        {
            BalanceLog.MonitorFailed(logger, execution.Id, e);
            execution.Finish(time.GetUtcNow(), $"Finishing the balance failed: {e.Message}");
        }
    }

    /// <summary>Each partition's size: the largest replica any unfenced broker reports (a follower may lag its leader).</summary>
    private async Task<Dictionary<(string Topic, int Partition), long>> PartitionSizesAsync(MetadataImage image, CancellationToken cancel)
    {
        var replies = await Task.WhenAll(image.Brokers.Values.Where(b => !b.Fenced).Select(b => ReplicaSizesOfAsync(b.Id, cancel))).ConfigureAwait(false);
        var sizes = new Dictionary<(string, int), long>();
        foreach (var reply in replies)
            foreach (var r in reply?.Replicas ?? [])
                sizes[(r.Topic, r.Partition)] = Math.Max(sizes.GetValueOrDefault((r.Topic, r.Partition)), r.SizeBytes);
        return sizes;
    }

    private async Task<DescribeReplicaSizesResponse?> ReplicaSizesOfAsync(int brokerId, CancellationToken cancel)
    {
        if (brokerId == quorum.NodeId) return await LocalReplicaSizesAsync(cancel).ConfigureAwait(false);
        if (channels.AdminClientFor(brokerId) is not { } client) return null;
        try
        {
            return await client.DescribeReplicaSizesAsync(new DescribeReplicaSizesRequest(), deadline: DateTime.UtcNow + SizeRequestTimeout, cancellationToken: cancel).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // Its partitions still get a size from their other replicas; a partition only it holds counts as 0 bytes.
            BalanceLog.SizesUnavailable(logger, brokerId, e);
            return null;
        }
    }

    private async Task<HashSet<(string, int)>> ReassignAsync(IEnumerable<PartitionMove> moves, CancellationToken cancel)
    {
        var request = new AlterPartitionReassignmentsRequest { TimeoutMs = 30_000 };
        foreach (var topic in moves.GroupBy(m => m.Topic))
            request.Topics.Add(new AlterPartitionReassignmentsRequest.ReassignableTopic
            {
                Name = topic.Key,
                Partitions = [.. topic.Select(m => new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = m.Partition, Replicas = [.. m.TargetReplicas] })],
            });
        var refused = new HashSet<(string, int)>();
        if (request.Topics.Count == 0) return refused;
        var response = await AdminGrpcService.KafkaAsync<AlterPartitionReassignmentsResponse>(handlers, request, 0, cancel).ConfigureAwait(false);
        foreach (var topic in response.Responses)
            foreach (var p in topic.Partitions)
                if (p.ErrorCode != 0 || response.ErrorCode != 0)
                {
                    refused.Add((topic.Name, p.PartitionIndex));
                    BalanceLog.Refused(logger, topic.Name, p.PartitionIndex, p.ErrorMessage ?? response.ErrorMessage ?? ((ErrorCode)p.ErrorCode).KafkaName());
                }
        return refused;
    }

    private async Task ElectPreferredLeadersAsync(IEnumerable<PartitionMove> moves, CancellationToken cancel)
    {
        var request = new Protocol.Messages.ElectLeadersRequest
        {
            ElectionType = 0,
            TimeoutMs = 30_000,
            TopicPartitions = [.. moves.GroupBy(m => m.Topic).Select(t => new Protocol.Messages.ElectLeadersRequest.TopicPartitionsData { Topic = t.Key, Partitions = [.. t.Select(m => m.Partition)] })],
        };
        // ELECTION_NOT_NEEDED and a leader not yet in sync are fine: the controller's own leader rebalancing retries.
        await AdminGrpcService.KafkaAsync<Protocol.Messages.ElectLeadersResponse>(handlers, request, 2, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// KIP-73 as kafka-reassign-partitions sets it: every broker involved gets both rates; each moved topic throttles
    /// its current replicas as leaders and its new replicas as followers.
    /// </summary>
    private async Task<Error?> AlterThrottleAsync(List<PartitionMove> moving, long rate, CancellationToken cancel)
    {
        var request = new IncrementalAlterConfigsRequest();
        var value = rate.ToString(CultureInfo.InvariantCulture);
        foreach (var broker in BrokersOf(moving))
            request.Resources.Add(Resource(ConfigResourceType.Broker, broker.ToString(CultureInfo.InvariantCulture),
                (ReplicationQuotas.LeaderRateName, value), (ReplicationQuotas.FollowerRateName, value)));
        foreach (var topic in moving.GroupBy(m => m.Topic))
            request.Resources.Add(Resource(ConfigResourceType.Topic, topic.Key,
                (Storage.LogConfig.LeaderReplicationThrottledReplicasName, string.Join(",", topic.SelectMany(m => m.Replicas.Select(b => $"{m.Partition}:{b}")))),
                (Storage.LogConfig.FollowerReplicationThrottledReplicasName, string.Join(",", topic.SelectMany(m => m.AddingReplicas.Select(b => $"{m.Partition}:{b}"))))));
        var response = await AdminGrpcService.KafkaAsync<IncrementalAlterConfigsResponse>(handlers, request, 1, cancel).ConfigureAwait(false);
        var failed = response.Responses.FirstOrDefault(r => r.ErrorCode != 0);
        return failed is null ? null : Failed((ErrorCode)failed.ErrorCode, $"Setting the throttle on {failed.ResourceName} failed: {failed.ErrorMessage}");
    }

    private async Task RemoveThrottleAsync(List<PartitionMove> moving, CancellationToken cancel)
    {
        var request = new IncrementalAlterConfigsRequest();
        foreach (var broker in BrokersOf(moving))
            request.Resources.Add(Resource(ConfigResourceType.Broker, broker.ToString(CultureInfo.InvariantCulture),
                (ReplicationQuotas.LeaderRateName, null), (ReplicationQuotas.FollowerRateName, null)));
        foreach (var topic in moving.Select(m => m.Topic).Distinct())
            request.Resources.Add(Resource(ConfigResourceType.Topic, topic,
                (Storage.LogConfig.LeaderReplicationThrottledReplicasName, null), (Storage.LogConfig.FollowerReplicationThrottledReplicasName, null)));
        var response = await AdminGrpcService.KafkaAsync<IncrementalAlterConfigsResponse>(handlers, request, 1, cancel).ConfigureAwait(false);
        foreach (var r in response.Responses.Where(r => r.ErrorCode != 0))
            BalanceLog.ThrottleNotRemoved(logger, r.ResourceName, r.ErrorMessage ?? ((ErrorCode)r.ErrorCode).KafkaName());
    }

    private static IEnumerable<int> BrokersOf(List<PartitionMove> moves) => moves.SelectMany(m => m.Replicas.Concat(m.TargetReplicas)).Distinct().Order();

    /// <summary>One resource's changes: a value sets the config, null deletes it.</summary>
    private static IncrementalAlterConfigsRequest.AlterConfigsResource Resource(ConfigResourceType type, string name, params (string Name, string? Value)[] configs)
    {
        var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = (sbyte)type, ResourceName = name };
        foreach (var (config, value) in configs)
            resource.Configs.Add(new() { Name = config, ConfigOperation = (sbyte)(value is null ? AlterConfigOp.Delete : AlterConfigOp.Set), Value = value });
        return resource;
    }

    private static int Reassigning(MetadataImage image) => image.TopicsById.Values.Sum(t => t.Partitions.Values.Count(p => p.IsReassigning));

    private static Error Failed(ErrorCode code, string? message) => new() { Code = (int)code, Message = message ?? code.KafkaName(), ControllerId = -1 };

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static partial class BalanceLog
    {
        [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Balance {Id} started: {Moves} moves ({ReplicaMoves} copying data, {Bytes} bytes), throttle {Throttle} B/s")]
        public static partial void Started(ILogger logger, string id, int moves, int replicaMoves, long bytes, long throttle);

        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Balance {Id} finished after {Seconds:F1} s")]
        public static partial void Finished(ILogger logger, string id, double seconds);

        [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Balance {Id} could not finish")]
        public static partial void MonitorFailed(ILogger logger, string id, Exception exception);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Broker {BrokerId}'s replica sizes are unavailable; planning without them")]
        public static partial void SizesUnavailable(ILogger logger, int brokerId, Exception exception);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Reassigning {Topic}-{Partition} was refused: {Reason}")]
        public static partial void Refused(ILogger logger, string topic, int partition, string reason);

        [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "The balance throttle on {Resource} was not removed: {Reason}")]
        public static partial void ThrottleNotRemoved(ILogger logger, string resource, string reason);
    }
}
