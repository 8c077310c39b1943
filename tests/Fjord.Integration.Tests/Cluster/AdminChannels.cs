using Fjord.Rpc.Admin;
using Grpc.Net.Client;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>One admin gRPC channel per node's rpc port, as the operator keeps them. Not thread-safe to dispose.</summary>
internal sealed class AdminChannels(ClusterProcess cluster) : IDisposable
{
    private readonly Dictionary<int, GrpcChannel> _channels = cluster.Nodes.ToDictionary(n => n.Id, n => GrpcChannel.ForAddress($"http://127.0.0.1:{n.RpcPort}"));

    public AdminService.AdminServiceClient this[int nodeId] => new(_channels[nodeId]);

    public void Dispose()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
    }
}
