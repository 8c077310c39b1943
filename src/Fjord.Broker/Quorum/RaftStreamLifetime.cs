using Microsoft.Extensions.Hosting;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// The lifetime the metadata quorum's inbound raft streams (<see cref="Rpc.Raft.RaftTransportService"/>)
/// follow. They end when the host stops so they never hold up Kestrel's graceful shutdown, but not at
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/>: KIP-841 controlled shutdown runs after that
/// (<see cref="BrokerLifecycleService.StoppingAsync"/>) and needs this node's Raft to keep hearing its peers —
/// a controller's node must commit the records that move its own leaderships, then hand quorum leadership
/// off. So <see cref="ApplicationStopping"/> here fires when controlled shutdown is over; started, stopped and
/// <see cref="StopApplication"/> are the host's. Thread-safe.
/// </summary>
public sealed class RaftStreamLifetime(IHostApplicationLifetime host) : IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken ApplicationStarted => host.ApplicationStarted;

    /// <summary>Cancelled by <see cref="ControlledShutdownOver"/>.</summary>
    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => host.ApplicationStopped;

    public void StopApplication() => host.StopApplication();

    /// <summary>Ends the inbound raft streams: controlled shutdown no longer needs the quorum.</summary>
    internal void ControlledShutdownOver() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
