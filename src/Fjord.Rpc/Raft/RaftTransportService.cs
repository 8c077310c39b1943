using Grpc.Core;

namespace Fjord.Rpc.Raft;

/// <summary>
/// Server side of the raft transport: each peer keeps one client stream open to us and every batch
/// on it is handed to the local node's inbox. Thread-safe (gRPC calls it concurrently per stream).
/// </summary>
public sealed class RaftTransportService(Fjord.Raft.IRaftInbox inbox) : RaftTransport.RaftTransportBase
{
    /// <inheritdoc/>
    public override async Task<StreamClosed> Stream(IAsyncStreamReader<MessageBatch> requestStream, ServerCallContext context)
    {
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            foreach (var m in batch.Messages) inbox.Deliver(RaftMessageMapper.FromProto(m));
        return new StreamClosed();
    }
}
