using Fjord.Raft;
using Fjord.Rpc.Raft;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// The metadata quorum's Raft transport: one <see cref="GrpcRaftTransport"/> stream per peer, opened the
/// first time a message is addressed to it, with the peer's rpc address looked up in
/// <see cref="QuorumAddresses"/>. Voters are known from the start; a learner becomes reachable once its
/// membership entry has been applied here. Until then messages to it are dropped, which Raft tolerates
/// (the next heartbeat retries). Called only from the Raft loop (<see cref="Send"/>); disposal after it stopped.
/// </summary>
public sealed partial class QuorumRaftTransport(ulong self, QuorumAddresses addresses, ILoggerFactory loggers) : IRaftTransport, IAsyncDisposable
{
    private readonly Dictionary<ulong, GrpcRaftTransport> _peers = [];
    private readonly HashSet<ulong> _unknown = [];
    private readonly ILogger _logger = loggers.CreateLogger<QuorumRaftTransport>();

    /// <inheritdoc/>
    public void Send(IReadOnlyList<Message> messages)
    {
        foreach (var m in messages)
        {
            if (_peers.ContainsKey(m.To) || m.To == self) continue;
            if (addresses.TryGet(ClusterVoters.NodeId(m.To), out var address))
                _peers[m.To] = new GrpcRaftTransport(self, new Dictionary<ulong, Uri> { [m.To] = new Uri($"http://{address}") },
                    logger: loggers.CreateLogger<GrpcRaftTransport>());
            else if (_unknown.Add(m.To))
                TransportLog.NoAddress(_logger, ClusterVoters.NodeId(m.To));
        }
        // Each transport holds one peer and skips messages addressed to others.
        foreach (var peer in _peers.Values) peer.Send(messages);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var peer in _peers.Values) await peer.DisposeAsync().ConfigureAwait(false);
        _peers.Clear();
    }

    private static partial class TransportLog
    {
        [LoggerMessage(EventId = 6031, Level = LogLevel.Information, Message = "No rpc address known yet for quorum member {NodeId}; dropping raft messages to it until its membership entry is applied")]
        public static partial void NoAddress(ILogger logger, int nodeId);
    }
}
