using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol;
using Fjord.Protocol.Framing;

namespace Fjord.Broker.Transactions;

/// <summary>
/// One client connection from this broker to another broker's Kafka listener (Kafka's NetworkClient to one node), used
/// by the transaction coordinator to send WriteTxnMarkers to partition leaders. Requests go one at a time; a failed
/// round trip (connect refused, timeout, closed socket, unparseable answer) closes the connection, so the next request
/// connects again, and surfaces as the exception to the caller, which retries. Thread-safe.
/// </summary>
public sealed class BrokerConnection(string clientId) : IDisposable
{
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(5);
    private const int MaxResponseBytes = 64 * 1024 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private TcpClient? _client;
    private string? _endpoint;
    private int _correlationId;

    /// <summary>Sends <paramref name="request"/> at <paramref name="version"/> to <paramref name="host"/>:<paramref name="port"/> and reads its answer.</summary>
    public async Task<TResponse> SendAsync<TResponse>(string host, int port, IRequestMessage request, short version, TimeSpan timeout, CancellationToken cancellation)
        where TResponse : IResponseMessage, new()
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(timeout);
            var stream = await ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            var correlationId = ++_correlationId;
            await stream.WriteAsync(KafkaRequestFrame.Encode(request, version, correlationId, clientId), deadline.Token).ConfigureAwait(false);
            var prefix = new byte[4];
            await stream.ReadExactlyAsync(prefix, deadline.Token).ConfigureAwait(false);
            var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (size is < 4 or > MaxResponseBytes) throw new ProtocolException($"response frame of {size} bytes");
            var payload = new byte[size];
            await stream.ReadExactlyAsync(payload, deadline.Token).ConfigureAwait(false);
            return KafkaRequestFrame.DecodeResponse<TResponse>(new ReadOnlySequence<byte>(payload), request.ApiKey, version, correlationId);
        }
        catch
        {
            Close();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<NetworkStream> ConnectAsync(string host, int port, CancellationToken cancellation)
    {
        var endpoint = $"{host}:{port}";
        if (_client is { Connected: true } client && endpoint == _endpoint) return client.GetStream();
        Close();
        var fresh = new TcpClient { NoDelay = true };
        try
        {
            // Bounded: a SYN into a partitioned network is not refused, and the kernel would retry it for minutes.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(s_connectTimeout);
            await fresh.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }

        (_client, _endpoint) = (fresh, endpoint);
        return fresh.GetStream();
    }

    private void Close()
    {
        _client?.Dispose();
        _client = null;
    }

    public void Dispose()
    {
        Close();
        _gate.Dispose();
    }
}
