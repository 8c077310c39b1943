using System.Globalization;
using System.Net.Sockets;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Executes one probe against a container: httpGet (2xx/3xx succeed; host defaults to the pod IP), tcpSocket
/// (connect succeeds), both from the host as the kubelet probes, or exec (exit 0 in the container's environment and
/// network namespace, paths remapped). Named ports resolve through
/// the container's ports. gRPC probes are not supported and fail. Thread-safe.
/// </summary>
internal sealed class ProbeRunner(HttpClient http, TimeProvider time)
{
    public async Task<bool> RunAsync(V1Probe probe, V1Container container, ContainerLaunch launch, TimeSpan timeout, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            if (probe.HttpGet is { } get)
            {
                var host = string.IsNullOrEmpty(get.Host) ? launch.PodIp : get.Host;
                var scheme = string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
                var path = string.IsNullOrEmpty(get.Path) ? "/" : get.Path;
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{host}:{Port(get.Port, container)}{(path.StartsWith('/') ? path : "/" + path)}");
                foreach (var header in get.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }
                using var response = await http.SendAsync(request, deadline.Token);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 400;
            }
            if (probe.TcpSocket is { } tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(string.IsNullOrEmpty(tcp.Host) ? launch.PodIp : tcp.Host, Port(tcp.Port, container), deadline.Token);
                return true;
            }
            if (probe.Exec is { Command.Count: > 0 } exec)
            {
                var words = exec.Command.Select(launch.Remapper.Remap).ToList();
                var command = new ContainerCommand(words[0], words.Skip(1).ToList(), null);
                return await ContainerProcess.RunToCompletionAsync(command, launch.Environment, launch.WorkingDirectory, launch.HostsFile, launch.NetworkNamespace, timeout, time);
            }
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or IOException or FormatException)
        {
            return false;
        }
    }

    private static int Port(IntOrString port, V1Container container)
    {
        if (int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        return container.Ports?.FirstOrDefault(p => p.Name == port.Value)?.ContainerPort
            ?? throw new FormatException($"container {container.Name} has no port named {port.Value}");
    }
}
