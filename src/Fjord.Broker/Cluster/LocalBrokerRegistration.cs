namespace Fjord.Broker.Cluster;

/// <summary>
/// This node's current registration with the controller, written by <see cref="BrokerLifecycleService"/>
/// and read by everything that must present the broker epoch to the controller (AlterPartition,
/// producer-id blocks) or report on it (readiness). Thread-safe: one volatile field.
/// </summary>
public sealed class LocalBrokerRegistration
{
    private long _epoch = -1;

    /// <summary>The broker epoch the controller gave this incarnation; -1 while not registered.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>True once the controller accepted this incarnation's registration.</summary>
    public bool IsRegistered => Epoch >= 0;

    internal void Registered(long epoch) => Volatile.Write(ref _epoch, epoch);

    internal void Lost() => Volatile.Write(ref _epoch, -1);
}
