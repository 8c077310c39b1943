using System.Net;
using System.Net.Sockets;
using System.Text;
using Fjord.KubeLocal.Node.Network;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.KubeLocal.Node.Tests.Network;

/// <summary>
/// The bridge network's shell against the real kernel (root with iproute2): what a crashed run left is removed at
/// start, a pod's sandbox is a namespace the host reaches, the relay carries bytes from the gateway to the API
/// server's loopback address, and nothing with the node's names is left after dispose.
/// </summary>
public sealed class BridgePodNetworkTests : IDisposable
{
    private readonly DirectoryInfo _stateDir = Directory.CreateTempSubdirectory("kube-node-netns-");

    public void Dispose() => _stateDir.Delete(recursive: true);

    [PodNetworkNamespacesFact]
    public async Task Create_RemovesLeftovers_SetsUpReachablePods_AndDisposeLeavesNothing()
    {
        var names = PodNetworkNames.For(_stateDir.FullName);
        // What a SIGKILLed node would leave: a pod's namespace and a veth (its pair's other end in no namespace).
        Ip("netns", "add", names.NamespacePrefix + "10.244.250.9");
        Ip("link", "add", names.LinkPrefix + "v9", "type", "veth", "peer", "name", names.LinkPrefix + "x9");
        using var apiServer = new TcpListener(IPAddress.Loopback, 0);
        apiServer.Start();
        var port = ((IPEndPoint)apiServer.LocalEndpoint).Port;

        var network = await BridgePodNetwork.CreateAsync(_stateDir.FullName, new Uri($"http://127.0.0.1:{port}"), podCidr: null, NullLogger.Instance);
        try
        {
            Assert.DoesNotContain(names.NamespacePrefix, Ip("netns", "list"));
            Assert.DoesNotContain(names.LinkPrefix + "v9", Ip("-o", "link", "show"));
            Assert.Contains($"server: http://{network.HostIp}:{port}", await File.ReadAllTextAsync(Path.Combine(_stateDir.FullName, "pod-kubeconfig")));

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var sandbox = network.Create("uid-1", previousIp: null);
            Console.WriteLine($"pod sandbox (namespace, veth pair, addresses, route) set up in {watch.ElapsedMilliseconds} ms");
            Assert.Equal(network.HostIp, sandbox.HostIp);
            Assert.Equal(names.Namespace(IPAddress.Parse(sandbox.PodIp)), sandbox.NetworkNamespace);
            Assert.Equal(sandbox, network.Create("uid-1", previousIp: null));
            Assert.Contains($"inet {sandbox.PodIp}/", Ip("-n", sandbox.NetworkNamespace!, "-4", "-o", "addr", "show", "dev", "eth0"));

            // From inside the pod, through the relay on the gateway, to the "API server" on the host's loopback.
            var send = ExternalCommand.Run("ip", ["netns", "exec", sandbox.NetworkNamespace!, "python3", "-c",
                "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 5).sendall(b'ping')", network.HostIp, $"{port}"]);
            Assert.True(send.ExitCode == 0, send.ToString());
            using var accepted = await apiServer.AcceptTcpClientAsync();
            var buffer = new byte[4];
            await accepted.GetStream().ReadExactlyAsync(buffer);
            Assert.Equal("ping", Encoding.ASCII.GetString(buffer));

            watch.Restart();
            network.Remove("uid-1");
            Console.WriteLine($"pod sandbox removed in {watch.ElapsedMilliseconds} ms");
            Assert.DoesNotContain(sandbox.NetworkNamespace!, Ip("netns", "list"));
            network.Create("uid-2", previousIp: null);
        }
        finally
        {
            await network.DisposeAsync();
        }
        Assert.DoesNotContain(names.NamespacePrefix, Ip("netns", "list"));
        Assert.DoesNotContain(names.LinkPrefix, Ip("-o", "link", "show"));
    }

    private static string Ip(params string[] args)
    {
        var result = ExternalCommand.Run("ip", args);
        Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', args)}: {result.StandardError}");
        return result.StandardOutput;
    }
}
