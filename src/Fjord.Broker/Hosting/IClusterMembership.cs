namespace Fjord.Broker.Hosting;

/// <summary>
/// Which brokers are live and which one is the controller, as DescribeCluster reports them (from the committed
/// metadata image: <see cref="Quorum.QuorumMembership"/>). Implementations are thread-safe.
/// </summary>
public interface IClusterMembership
{
    /// <summary>The active controller's node id, -1 while there is none.</summary>
    int ControllerId { get; }

    IEnumerable<LiveBroker> LiveBrokers();
}

/// <summary>A registered, unfenced broker and the endpoint clients reach it on.</summary>
public readonly record struct LiveBroker(int Id, string Host, int Port, string? Rack);
