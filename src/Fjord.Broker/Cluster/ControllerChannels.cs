using System.Collections.Concurrent;
using Fjord.Rpc.Controller;
using Grpc.Net.Client;

namespace Fjord.Broker.Cluster;

/// <summary>
/// The one place a broker finds the active controller and talks gRPC to it: the controller is the metadata
/// log's Raft leader, reached at that voter's rpc address. Channels are created once per node and kept
/// (HTTP/2 multiplexes every call over one connection), so heartbeats, forwarding, AlterPartition and
/// producer-id requests share connections instead of each keeping their own. Thread-safe.
/// </summary>
public sealed class ControllerChannels(MetadataQuorum quorum) : IDisposable
{
    private readonly ConcurrentDictionary<int, GrpcChannel> _channels = new();

    /// <summary>The active controller's node id as this node knows it; -1 while there is none.</summary>
    public int ControllerId => quorum.LeaderNodeId;

    /// <summary>True when this node is the active controller's node (call the controller in-process then).</summary>
    public bool IsLocal(int controllerId) => controllerId == quorum.NodeId;

    /// <summary>A client for <paramref name="nodeId"/>'s controller service; null when its rpc address is unknown.</summary>
    public ControllerService.ControllerServiceClient? ClientFor(int nodeId)
    {
        if (!quorum.Voters.Voters.TryGetValue(nodeId, out var endpoint)) return null;
        var channel = _channels.GetOrAdd(nodeId, _ => GrpcChannel.ForAddress(new Uri($"http://{endpoint}")));
        return new ControllerService.ControllerServiceClient(channel);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
        _channels.Clear();
    }
}
