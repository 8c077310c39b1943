using System.Collections.Concurrent;
using Fjord.Metadata;
using Fjord.Protocol;

namespace Fjord.Broker.Transactions;

/// <summary>
/// This broker's client connections to other brokers' Kafka listeners, one <see cref="BrokerConnection"/> per
/// destination (Kafka's inter-broker NetworkClient), for the requests a broker sends as a client: WriteTxnMarkers from
/// the transaction coordinator and AddPartitionsToTxn verification from partition leaders. The destination's endpoint
/// comes from the metadata image at each send. Thread-safe.
/// </summary>
public sealed class BrokerChannels(int nodeId) : IDisposable
{
    private readonly ConcurrentDictionary<int, BrokerConnection> _connections = new();

    /// <summary>
    /// Sends <paramref name="request"/> to broker <paramref name="brokerId"/> as the image knows it; throws
    /// <see cref="IOException"/> when the image has no live endpoint for it, and what the connection throws otherwise.
    /// </summary>
    public Task<TResponse> SendAsync<TResponse>(MetadataImage image, int brokerId, IRequestMessage request, short version, TimeSpan timeout, CancellationToken cancellation)
        where TResponse : IResponseMessage, new()
    {
        if (!image.Brokers.TryGetValue(brokerId, out var broker) || broker.Fenced || broker.Endpoints.Length == 0)
        {
            throw new IOException($"broker {brokerId} has no live endpoint in the metadata image");
        }

        var endpoint = broker.Endpoints[0];
        var connection = _connections.GetOrAdd(brokerId, _ => new BrokerConnection($"fjord-broker-{nodeId}"));
        return connection.SendAsync<TResponse>(endpoint.Host, endpoint.Port, request, version, timeout, cancellation);
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values) connection.Dispose();
    }
}
