using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol.Framing;
using Fjord.Protocol.Messages;

namespace Fjord.Chaos.Cluster;

/// <summary>
/// Finds the broker coordinating a transactional.id: FindCoordinator v3 with key type 1 (transaction) over a bare TCP
/// connection (Confluent.Kafka has no call for it), asked of each node in turn until one answers without error. Null
/// when none does (the coordinator is moving). Stateless; safe from any thread.
/// </summary>
public static class TransactionCoordinatorLocator
{
    private const short Version = 3;
    private const sbyte TransactionKeyType = 1;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

    public static async Task<int?> FindAsync(IReadOnlyList<BrokerNode> nodes, string transactionalId, CancellationToken cancel)
    {
        foreach (var node in nodes)
        {
            try
            {
                var answer = await AskAsync(node, transactionalId, cancel).ConfigureAwait(false);
                if (answer.ErrorCode == 0 && answer.NodeId >= 0) return answer.NodeId;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or Fjord.Protocol.ProtocolException)
            {
                // This node is down, paused or cut off: ask the next one.
            }
        }
        return null;
    }

    private static async Task<FindCoordinatorResponse> AskAsync(BrokerNode node, string transactionalId, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(s_timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(node.Host, node.KafkaPort, timeout.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = new FindCoordinatorRequest { Key = transactionalId, KeyType = TransactionKeyType };
        await stream.WriteAsync(KafkaRequestFrame.Encode(request, Version, 1, "fjord-chaos"), timeout.Token).ConfigureAwait(false);
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, timeout.Token).ConfigureAwait(false);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(frame, timeout.Token).ConfigureAwait(false);
        return KafkaRequestFrame.DecodeResponse<FindCoordinatorResponse>(new ReadOnlySequence<byte>(frame), request.ApiKey, Version, 1);
    }
}
