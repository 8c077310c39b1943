using System.Collections.Concurrent;
using Fjord.Rpc.Admin;
using Fjord.Rpc.Controller;
using Grpc.Net.Client;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// The one place a broker finds the active controller and talks gRPC to it: the controller is the metadata
/// log's Raft leader, reached at that voter's rpc address (node ids resolve through
/// <see cref="QuorumAddresses"/>, so learners resolve too, though they never lead). Channels are created once
/// per node and kept (HTTP/2 multiplexes every call over one connection), so heartbeats, forwarding,
/// AlterPartition, producer-id, learner-join and forwarded admin requests share connections instead of each keeping their
/// own. Thread-safe.
/// </summary>
public sealed class ControllerChannels(MetadataQuorum quorum) : IDisposable
{
    private readonly ConcurrentDictionary<int, GrpcChannel> _channels = new();

    /// <summary>The active controller's node id as this node knows it; -1 while there is none.</summary>
    public int ControllerId => quorum.LeaderNodeId;

    /// <summary>True when this node is the active controller's node (call the controller in-process then).</summary>
    public bool IsLocal(int controllerId) => controllerId == quorum.NodeId;

    /// <summary>A client for <paramref name="nodeId"/>'s controller service; null when its rpc address is unknown.</summary>
    public ControllerService.ControllerServiceClient? ClientFor(int nodeId) =>
        ChannelFor(nodeId) is { } channel ? new ControllerService.ControllerServiceClient(channel) : null;

    /// <summary>
    /// A client for <paramref name="nodeId"/>'s admin service (admin.proto), over the same channel; null when its rpc
    /// address is unknown. The admin service forwards controller-only calls (DrainBroker, UnregisterBroker) with it.
    /// </summary>
    public AdminService.AdminServiceClient? AdminClientFor(int nodeId) =>
        ChannelFor(nodeId) is { } channel ? new AdminService.AdminServiceClient(channel) : null;

    /// <summary>The gRPC channel to <paramref name="nodeId"/>'s rpc listener; null when its address is unknown.</summary>
    public GrpcChannel? ChannelFor(int nodeId)
    {
        if (!quorum.Addresses.TryGet(nodeId, out var endpoint)) return null;
        return _channels.GetOrAdd(nodeId, _ => GrpcChannel.ForAddress(new Uri($"http://{endpoint}")));
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
        _channels.Clear();
    }
}
