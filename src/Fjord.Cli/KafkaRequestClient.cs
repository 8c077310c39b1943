using Fjord.Protocol.Framing;
using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol;
using Fjord.Protocol.Messages;

namespace Fjord.Cli;

/// <summary>
/// Sends one Kafka admin request the way any client would (size-prefixed header + body on a TCP
/// connection to a bootstrap server) for the APIs Confluent.Kafka 2.16 has no call for
/// (AlterPartitionReassignments, ListPartitionReassignments). It asks ApiVersions first, so a broker that
/// does not serve the API gets a clear error instead of a closed connection. Works against any broker that
/// forwards admin requests to its controller (Fjord, Kafka in KRaft mode). Cold path; one per command run;
/// not thread-safe.
/// </summary>
public sealed class KafkaRequestClient : IDisposable
{
    private const string ClientId = "fjord-cli";
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly TimeSpan _timeout;
    private int _nextCorrelationId = 1;

    private KafkaRequestClient(TcpClient tcp, TimeSpan timeout)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _timeout = timeout;
    }

    /// <summary>Connects to the first reachable bootstrap server; exit code 3 when none is.</summary>
    public static Task<KafkaRequestClient> ConnectAsync(CliContext context) => ConnectAsync(context, context.BootstrapServers);

    /// <summary>
    /// Connects to one broker by its advertised address (from Metadata or FindCoordinator), for the requests that must
    /// reach a particular node: a partition leader, a transaction coordinator, every broker in turn.
    /// </summary>
    public static Task<KafkaRequestClient> ConnectToAsync(CliContext context, string host, int port) =>
        ConnectAsync(context, host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}");

    private static async Task<KafkaRequestClient> ConnectAsync(CliContext context, string servers)
    {
        var errors = new List<string>();
        foreach (var server in servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = CliContext.SplitHostPort(server);
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                using var cts = new CancellationTokenSource(context.Timeout);
                await tcp.ConnectAsync(host, port, cts.Token);
                return new KafkaRequestClient(tcp, context.Timeout);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                tcp.Dispose();
                errors.Add($"{server}: {(e is SocketException se ? se.Message : "connect timed out")}");
            }
        }

        throw CliException.Unreachable($"cannot reach broker at {servers} ({string.Join("; ", errors)})");
    }

    /// <summary>
    /// Sends <paramref name="request"/> at the highest version both this CLI and the broker speak; fails with
    /// exit code 1 when the broker does not serve <paramref name="apiName"/> at all.
    /// </summary>
    public Task<TResponse> SendAsync<TResponse>(IRequestMessage request, string apiName)
        where TResponse : IResponseMessage, new() => SendAsync<TResponse>(request.ApiKey, _ => request, apiName);

    /// <summary>
    /// As above for a request whose fields depend on the version chosen (FindCoordinator: one key before v4, a list
    /// after): <paramref name="requestFor"/> builds it for the negotiated version.
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(short apiKey, Func<short, IRequestMessage> requestFor, string apiName)
        where TResponse : IResponseMessage, new()
    {
        var versions = await RoundTripAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        if (!ApiMessages.TryGetVersionRange(apiKey, out var ourLowest, out var ourHighest))
        {
            throw new InvalidOperationException($"API key {apiKey} is unknown to Fjord.Protocol");
        }

        var served = versions.ApiKeys.FirstOrDefault(k => k.ApiKey == apiKey);
        if (served is null || served.MaxVersion < ourLowest || served.MinVersion > ourHighest)
        {
            throw CliException.Broker($"this broker does not serve the {apiName} API");
        }

        var version = Math.Min(served.MaxVersion, ourHighest);
        return await RoundTripAsync<TResponse>(requestFor(version), version);
    }

    private async Task<TResponse> RoundTripAsync<TResponse>(IRequestMessage request, short version)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = _nextCorrelationId++;
        var frame = KafkaRequestFrame.Encode(request, version, correlationId, ClientId);

        using var cts = new CancellationTokenSource(_timeout);
        try
        {
            await _stream.WriteAsync(frame, cts.Token);
            var prefix = new byte[4];
            await _stream.ReadExactlyAsync(prefix, cts.Token);
            var response = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
            await _stream.ReadExactlyAsync(response, cts.Token);
            return Decode<TResponse>(response, request.ApiKey, version, correlationId);
        }
        catch (OperationCanceledException)
        {
            throw CliException.Unreachable("timed out waiting for the broker");
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
        {
            throw CliException.Unreachable($"the broker closed the connection: {e.Message}");
        }
    }

    private static TResponse Decode<TResponse>(byte[] frame, short apiKey, short version, int correlationId)
        where TResponse : IResponseMessage, new()
    {
        try
        {
            return KafkaRequestFrame.DecodeResponse<TResponse>(new ReadOnlySequence<byte>(frame), apiKey, version, correlationId);
        }
        catch (ProtocolException e)
        {
            throw CliException.Broker($"the broker sent a response that does not parse: {e.Message}");
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
