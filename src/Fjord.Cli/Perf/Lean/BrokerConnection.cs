using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol;
using Fjord.Protocol.Framing;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Perf.Lean;

/// <summary>
/// One TCP connection to one broker for the lean consumer: a request at a fixed version, its response read into one
/// reusable buffer and decoded in place, so a 50 MB fetch response is neither copied nor reallocated per fetch. A
/// decoded response (its records slices) is valid only until the next round trip. One request in flight, as Kafka's
/// consumer keeps one fetch per broker. Not thread-safe: owned by one fetching task.
/// </summary>
public sealed class BrokerConnection : IDisposable
{
    private const string ClientId = "fjord-lean-consumer";
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _prefix = new byte[4];
    private byte[] _response = [];
    private int _nextCorrelationId = 1;

    private BrokerConnection(TcpClient tcp, string address)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Address = address;
    }

    public string Address { get; }

    public static async Task<BrokerConnection> ConnectAsync(string host, int port, CancellationToken cancel)
    {
        var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 4 << 20 };
        try
        {
            await tcp.ConnectAsync(host, port, cancel);
            return new BrokerConnection(tcp, $"{host}:{port}");
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the first of a comma-separated bootstrap list that accepts.</summary>
    public static async Task<BrokerConnection> ConnectAnyAsync(string bootstrapServers, CancellationToken cancel)
    {
        var errors = new List<string>();
        foreach (var server in bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = CliContext.SplitHostPort(server);
            try
            {
                return await ConnectAsync(host, port, cancel);
            }
            catch (SocketException e)
            {
                errors.Add($"{server}: {e.Message}");
            }
        }

        throw new IOException($"cannot reach any bootstrap server of {bootstrapServers} ({string.Join("; ", errors)})");
    }

    /// <summary>Sends <paramref name="request"/> at <paramref name="version"/> and decodes the answer.</summary>
    public async Task<TResponse> RoundTripAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancel)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = _nextCorrelationId++;
        await _stream.WriteAsync(KafkaRequestFrame.Encode(request, version, correlationId, ClientId), cancel);
        await _stream.ReadExactlyAsync(_prefix, cancel);
        var size = BinaryPrimitives.ReadInt32BigEndian(_prefix);
        if (_response.Length < size)
        {
            _response = new byte[Math.Max(size, _response.Length * 2)];
        }

        await _stream.ReadExactlyAsync(_response.AsMemory(0, size), cancel);
        return KafkaRequestFrame.DecodeResponse<TResponse>(new ReadOnlySequence<byte>(_response, 0, size), request.ApiKey, version, correlationId);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
