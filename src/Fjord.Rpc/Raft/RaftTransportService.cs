using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace Fjord.Rpc.Raft;

/// <summary>
/// Server side of the raft transport: each peer keeps one client stream open to us and every batch
/// on it is handed to the local node's inbox. Streams end when the host stops, so they never hold up a
/// graceful shutdown (peers reconnect to the next incarnation). Thread-safe (gRPC calls it
/// concurrently, one call per peer stream).
/// </summary>
public sealed class RaftTransportService(Fjord.Raft.IRaftInbox inbox, IHostApplicationLifetime? lifetime = null)
    : RaftTransport.RaftTransportBase
{
    /// <inheritdoc/>
    public override async Task<StreamClosed> Stream(IAsyncStreamReader<MessageBatch> requestStream, ServerCallContext context)
    {
        using var stop = lifetime is null
            ? CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var batch in requestStream.ReadAllAsync(stop.Token).ConfigureAwait(false))
                foreach (var m in batch.Messages) inbox.Deliver(RaftMessageMapper.FromProto(m));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Host stopping or peer gone: the peer reconnects with back-off.
        }
        return new StreamClosed();
    }
}
