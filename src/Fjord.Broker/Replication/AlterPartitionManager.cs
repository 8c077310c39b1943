using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Replication;

/// <summary>
/// Sends a leader's <see cref="IsrChange"/> to the active controller (Kafka's AlterPartitionManager, KIP-497):
/// in-process through <see cref="ControllerHost.SubmitAsync{T}"/> when the controller is this node, over the
/// ControllerService AlterPartition gRPC otherwise, with this incarnation's broker epoch. The controller is
/// looked up afresh on every call (<see cref="ControllerChannels.ControllerId"/>), so after NOT_CONTROLLER the
/// next attempt goes to the new one. Errors come back as the result's error code, never as exceptions:
/// NOT_CONTROLLER when there is no controller, BROKER_ID_NOT_REGISTERED before this node registered,
/// NETWORK_EXCEPTION when the call failed (logged). The controller and channels are resolved on first use,
/// because they depend on the metadata quorum, which depends on the replica manager that uses this.
/// Thread-safe.
/// </summary>
public sealed partial class AlterPartitionManager(
    int nodeId, Lazy<ControllerChannels> channels, Lazy<ControllerHost> controller, LocalBrokerRegistration registration, ILogger<AlterPartitionManager> logger)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Asks the controller to make <paramref name="change"/> the ISR of <paramref name="topicId"/>-<paramref name="partition"/>.</summary>
    public async Task<AlterPartitionResult> SubmitAsync(Guid topicId, int partition, IsrChange change, CancellationToken cancel)
    {
        var brokerEpoch = registration.Epoch;
        if (brokerEpoch < 0) return Failed(topicId, partition, ErrorCode.BrokerIdNotRegistered);
        var controllerId = channels.Value.ControllerId;
        if (controllerId < 0) return Failed(topicId, partition, ErrorCode.NotController);
        var item = new AlterPartitionItem(topicId, partition, change.LeaderEpoch, change.NewIsr, change.PartitionEpoch);
        if (channels.Value.IsLocal(controllerId))
        {
            try
            {
                var results = await controller.Value.SubmitAsync(c => c.AlterPartition(new AlterPartitionRequest(nodeId, brokerEpoch, [item])))
                    .WaitAsync(CallTimeout, cancel).ConfigureAwait(false);
                return results.Count == 1 ? results[0] : Failed(topicId, partition, ErrorCode.UnknownServerError);
            }
            catch (NotControllerException)
            {
                return Failed(topicId, partition, ErrorCode.NotController);
            }
            catch (TimeoutException)
            {
                AlterPartitionLog.CallFailed(logger, controllerId, $"{topicId}-{partition}", "no answer within " + CallTimeout);
                return Failed(topicId, partition, ErrorCode.RequestTimedOut);
            }
        }

        var client = channels.Value.ClientFor(controllerId);
        if (client is null) return Failed(topicId, partition, ErrorCode.NotController);
        var request = new Rpc.Controller.AlterPartitionRequest { BrokerId = nodeId, BrokerEpoch = brokerEpoch };
        var wire = new Rpc.Controller.PartitionIsrChange
        {
            TopicId = Uuids.ToByteString(topicId),
            Partition = partition,
            LeaderEpoch = change.LeaderEpoch,
            PartitionEpoch = change.PartitionEpoch,
        };
        wire.NewIsr.AddRange(change.NewIsr);
        request.Partitions.Add(wire);
        Rpc.Controller.AlterPartitionResponse response;
        try
        {
            response = await client.AlterPartitionAsync(request, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancel).ConfigureAwait(false);
        }
        catch (RpcException e) when (!cancel.IsCancellationRequested)
        {
            AlterPartitionLog.CallFailed(logger, controllerId, $"{topicId}-{partition}", e.Status.ToString());
            return Failed(topicId, partition, ErrorCode.NetworkException);
        }
        if (response.ErrorCode != 0) return Failed(topicId, partition, (ErrorCode)response.ErrorCode);
        foreach (var p in response.Partitions)
        {
            if (p.Partition != partition || Uuids.ToGuid(p.TopicId) != topicId) continue;
            return new AlterPartitionResult(topicId, partition, (ErrorCode)p.ErrorCode, p.Leader, p.LeaderEpoch, [.. p.Isr], p.PartitionEpoch);
        }
        AlterPartitionLog.CallFailed(logger, controllerId, $"{topicId}-{partition}", "the response does not name the partition");
        return Failed(topicId, partition, ErrorCode.UnknownServerError);
    }

    private static AlterPartitionResult Failed(Guid topicId, int partition, ErrorCode error) => new(topicId, partition, error, -1, -1, [], -1);

    private static partial class AlterPartitionLog
    {
        [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "AlterPartition for {Partition} to controller {ControllerId} failed: {Reason}")]
        public static partial void CallFailed(ILogger logger, int controllerId, string partition, string reason);
    }
}
