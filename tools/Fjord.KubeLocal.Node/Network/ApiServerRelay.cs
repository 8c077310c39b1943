using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Makes the API server reachable from pods in their own network namespaces: the server listens on the host's
/// loopback, which a pod's namespace does not share, so the node listens on the bridge's gateway address (same port)
/// and copies bytes both ways to the server, one upstream connection per pod connection (watches stay open as long
/// as the pod keeps them). The pods' kubeconfig names the gateway. Accepts on its own task; thread-safe.
/// </summary>
internal sealed partial class ApiServerRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly DnsEndPoint _server;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ApiServerRelay(IPAddress listen, Uri server, ILogger logger)
    {
        _server = new DnsEndPoint(server.Host, server.Port);
        _logger = logger;
        _listener = new TcpListener(listen, server.Port);
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync(_stop.Token);
    }

    public IPEndPoint Endpoint { get; }

    private async Task AcceptAsync(CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var pod = await _listener.AcceptTcpClientAsync(stop);
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(RelayAsync(pod, stop));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
        await Task.WhenAll(connections);
    }

    private async Task RelayAsync(TcpClient pod, CancellationToken stop)
    {
        var server = new TcpClient();
        Task up = Task.CompletedTask, down = Task.CompletedTask;
        try
        {
            await server.ConnectAsync(_server.Host, _server.Port, stop);
            up = pod.GetStream().CopyToAsync(server.GetStream(), stop);
            down = server.GetStream().CopyToAsync(pod.GetStream(), stop);
            // Either side closing ends both: an HTTP client or server never half-closes a live exchange.
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            LogRelayFailed(_logger, pod.Client.RemoteEndPoint?.ToString() ?? "?", e.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopping.
        }
        finally
        {
            pod.Dispose();
            server.Dispose();
        }
        try
        {
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The direction still copying when the other ended was cut off by closing both sockets above.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Debug, Message = "API server relay for {Pod}: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string pod, string reason);
}
