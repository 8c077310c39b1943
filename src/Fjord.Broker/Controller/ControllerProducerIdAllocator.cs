using Fjord.Broker.Producers;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// AllocateProducerIds (KIP-730) sent to the active controller with this broker's id and current broker
/// epoch: in-process through <see cref="ControllerHost"/> when the controller is this node, over the
/// ControllerService gRPC otherwise. The controller answers once the block's record has committed.
/// Thread-safe; called by <see cref="PrefetchingProducerIdSource"/>'s background fetch.
/// </summary>
public sealed class ControllerProducerIdAllocator(
    Configuration.BrokerConfig config, ControllerHost controller, ControllerChannels channels, LocalBrokerRegistration registration)
    : IProducerIdBlockAllocator
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public async Task<ProducerIdBlock> AllocateAsync(CancellationToken cancel)
    {
        var epoch = registration.Epoch;
        if (epoch < 0) return new ProducerIdBlock(ErrorCode.BrokerIdNotRegistered, -1, 0);
        var controllerId = channels.ControllerId;
        if (controllerId < 0) return new ProducerIdBlock(ErrorCode.NotController, -1, 0);
        var brokerId = config.NodeId;
        if (channels.IsLocal(controllerId))
        {
            try
            {
                // The same deadline as the remote call: one fetch is shared by every InitProducerId of this node,
                // so a commit that never completes must not leave them all waiting on it for good.
                return await controller.SubmitAsync(c => c.AllocateProducerIds(brokerId, epoch)).WaitAsync(Deadline, cancel).ConfigureAwait(false);
            }
            catch (NotControllerException)
            {
                return new ProducerIdBlock(ErrorCode.NotController, -1, 0);
            }
            catch (TimeoutException)
            {
                return new ProducerIdBlock(ErrorCode.RequestTimedOut, -1, 0);
            }
        }
        if (channels.ClientFor(controllerId) is not { } client) return new ProducerIdBlock(ErrorCode.NotController, -1, 0);
        var reply = await client.AllocateProducerIdsAsync(
            new Rpc.Controller.AllocateProducerIdsRequest { BrokerId = brokerId, BrokerEpoch = epoch },
            deadline: DateTime.UtcNow + Deadline, cancellationToken: cancel).ConfigureAwait(false);
        return new ProducerIdBlock((ErrorCode)reply.ErrorCode, reply.FirstProducerId, reply.ProducerIdCount);
    }
}
