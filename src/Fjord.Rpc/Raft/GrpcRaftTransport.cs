using System.Threading.Channels;
using Fjord.Raft;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Rpc.Raft;

/// <summary>
/// Client side of the raft transport: one long-lived gRPC client stream per peer, fed by a bounded
/// queue. A sender task drains whatever is queued into one <see cref="MessageBatch"/> per write and
/// reconnects with capped exponential back-off when the stream breaks. Messages that do not fit in the
/// queue, or are in flight when a stream breaks, are dropped: raft retransmits what matters.
/// <see cref="Send"/> is thread-safe and never blocks.
/// </summary>
public sealed class GrpcRaftTransport : IRaftTransport, IAsyncDisposable
{
    private readonly ulong _self;
    private readonly Dictionary<ulong, Peer> _peers = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Dropped messages (queue full or broken stream), for metrics and tests.</summary>
    public long Dropped => _peers.Values.Sum(p => Interlocked.Read(ref p.DroppedCount));

    /// <summary>Creates streams to <paramref name="peers"/> (id → http://host:port); connections open lazily.</summary>
    public GrpcRaftTransport(ulong self, IReadOnlyDictionary<ulong, Uri> peers, int queueCapacity = 10_000, ILogger<GrpcRaftTransport>? logger = null)
    {
        _self = self;
        var log = (ILogger?)logger ?? NullLogger.Instance;
        foreach (var (id, address) in peers)
            if (id != self) _peers[id] = new Peer(id, address, queueCapacity, _self, log, _stop.Token);
    }

    /// <inheritdoc/>
    public void Send(IReadOnlyList<Message> messages)
    {
        foreach (var m in messages)
        {
            if (!_peers.TryGetValue(m.To, out var peer)) continue;
            if (!peer.Queue.Writer.TryWrite(m)) Interlocked.Increment(ref peer.DroppedCount);
        }
    }

    /// <summary>Closes every stream.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var p in _peers.Values) await p.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed class Peer : IAsyncDisposable
    {
        private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(20);
        private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

        private readonly ulong _id;
        private readonly ulong _self;
        private readonly Uri _address;
        private readonly ILogger _logger;
        private readonly GrpcChannel _channel;
        private readonly Task _sender;
        public long DroppedCount;

        public Channel<Message> Queue { get; }

        public Peer(ulong id, Uri address, int capacity, ulong self, ILogger logger, CancellationToken stop)
        {
            _id = id;
            _self = self;
            _address = address;
            _logger = logger;
            Queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = true,
            });
            _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = false,
                    KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                    ConnectTimeout = TimeSpan.FromSeconds(2),
                },
                MaxSendMessageSize = 64 << 20,
            });
            _sender = Task.Run(() => RunAsync(stop));
        }

        private async Task RunAsync(CancellationToken stop)
        {
            var client = new RaftTransport.RaftTransportClient(_channel);
            var backoff = MinBackoff;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Wait for something to send before (re)connecting: idle peers hold no stream open.
                    if (!await Queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false)) return;
                    using var call = client.Stream(cancellationToken: stop);
                    RaftTransportLog.StreamOpen(_logger, _self, _id, _address);
                    while (await Queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                    {
                        var batch = new MessageBatch { From = _self };
                        while (batch.Messages.Count < 4096 && Queue.Reader.TryRead(out var m))
                            batch.Messages.Add(RaftMessageMapper.ToProto(m));
                        await call.RequestStream.WriteAsync(batch, stop).ConfigureAwait(false);
                        backoff = MinBackoff;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException)
                {
                    // Peer down or restarting: drop what is queued (raft will resend) and retry later.
                    var dropped = 0;
                    while (Queue.Reader.TryRead(out _)) dropped++;
                    Interlocked.Add(ref DroppedCount, dropped);
                    RaftTransportLog.StreamBroken(_logger, _self, _id, _address, dropped, backoff.TotalMilliseconds, e);
                    try
                    {
                        await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(10)), stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            Queue.Writer.TryComplete();
            try
            {
                await _sender.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            _channel.Dispose();
        }

        public override string ToString() => $"peer {_id}";
    }
}
