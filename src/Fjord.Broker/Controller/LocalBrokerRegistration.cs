using Fjord.Broker.Hosting;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;

namespace Fjord.Broker.Controller;

/// <summary>
/// This node's current registration with the controller, written by <see cref="BrokerLifecycleService"/>
/// and read by everything that must present the broker epoch to the controller (AlterPartition,
/// producer-id blocks) or report on it: readiness needs the broker registered, caught up with the metadata
/// log (it has applied its own registration record, so everything committed before it registered), unfenced
/// by the controller, and not in controlled shutdown. Thread-safe: volatile fields, each written by the
/// lifecycle service only.
/// </summary>
public sealed class LocalBrokerRegistration : IReadinessCondition
{
    private long _epoch = -1;
    private volatile bool _caughtUp;
    private volatile bool _fenced = true;
    private volatile bool _shuttingDown;

    /// <summary>The broker epoch the controller gave this incarnation; -1 while not registered.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>True once the controller accepted this incarnation's registration.</summary>
    public bool IsRegistered => Epoch >= 0;

    /// <summary>True once this node applied its own registration record from the metadata log.</summary>
    public bool IsCaughtUp => _caughtUp;

    /// <summary>True until the controller's heartbeat reply says this broker is unfenced.</summary>
    public bool IsFenced => _fenced;

    /// <summary>True from SIGTERM on: the broker is moving its leaderships away (KIP-841) and then stops.</summary>
    public bool IsShuttingDown => _shuttingDown;

    /// <inheritdoc/>
    public string? NotReadyReason =>
        _shuttingDown ? "in controlled shutdown"
        : !IsRegistered ? "not registered with the controller"
        : !_caughtUp ? "metadata log not caught up"
        : _fenced ? "fenced by the controller"
        : null;

    internal void Registered(long epoch)
    {
        _caughtUp = false;
        _fenced = true;
        Volatile.Write(ref _epoch, epoch);
    }

    internal void CaughtUp() => _caughtUp = true;

    internal void Heartbeat(bool fenced) => _fenced = fenced;

    internal void ShutdownStarted() => _shuttingDown = true;

    internal void Lost()
    {
        Volatile.Write(ref _epoch, -1);
        _fenced = true;
        _caughtUp = false;
    }
}
