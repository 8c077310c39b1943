using System.Globalization;
using System.Net;
using Fjord.KubeLocal.Node.Kubelet;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Network-namespace mode, as a CNI bridge plugin does it: the node's bridge (<see cref="PodNetworkNames"/>) holds
/// the subnet's gateway address, each pod gets a namespace and a veth pair on the bridge (<see cref="PodNetworkPlan"/>)
/// with its own address, loopback up and a default route via the gateway. The host reaches pods through the
/// bridge's subnet route; pods reach each other over the bridge and the API server through
/// <see cref="ApiServerRelay"/> on the gateway. Nothing else on the host changes. A pod's namespace and veth go when
/// it is removed; the bridge when the node stops; whatever a crashed run of the same state directory left is
/// removed at start. Thread-safe.
/// </summary>
internal sealed partial class BridgePodNetwork : IPodNetwork
{
    /// <summary>Held while choosing a subnet and creating the bridge, so two nodes starting at once pick different subnets.</summary>
    private const string SubnetLock = "/run/lock/kube-local-pod-network.lock";

    private readonly PodNetworkNames _names;
    private readonly Ipv4Prefix _subnet;
    private readonly ApiServerRelay _relay;
    private readonly string _kubeconfig;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly PodIpAllocator _ips;
    private readonly Dictionary<string, IPAddress> _sandboxes = [];

    private BridgePodNetwork(PodNetworkNames names, Ipv4Prefix subnet, ApiServerRelay relay, string kubeconfig, ILogger logger)
    {
        _names = names;
        _subnet = subnet;
        _relay = relay;
        _kubeconfig = kubeconfig;
        _logger = logger;
        _ips = new PodIpAllocator(subnet);
        HostIp = Ipv4Prefix.ToAddress(subnet.First).ToString();
    }

    public string Description => $"netns: a network namespace per pod on bridge {_names.Bridge}, pods in {_subnet}, gateway and API server relay {_relay.Endpoint}";

    public string HostIp { get; }

    public PodSandbox HostNetwork => new(HostIp, HostIp, null, _kubeconfig);

    /// <summary>Builds the bridge and the relay; an <see cref="IOException"/> says why this host cannot.</summary>
    public static async Task<BridgePodNetwork> CreateAsync(string stateDir, Uri server, string? podCidr, ILogger logger)
    {
        var names = PodNetworkNames.For(stateDir);
        RemoveLeftovers(names, logger);
        Ipv4Prefix subnet;
        await using (await HoldSubnetLockAsync())
        {
            var hostNetworks = PodSubnet.ParseHostNetworks(IpCommand.Run(["-4", "-o", "addr", "show"]), IpCommand.Run(["-4", "route", "show", "table", "all"]));
            var (chosen, error) = PodSubnet.Choose(podCidr, hostNetworks);
            subnet = chosen ?? throw new IOException(error);
            try
            {
                IpCommand.RunAll(PodNetworkPlan.CreateBridge(names, subnet));
            }
            catch (IOException)
            {
                RemoveLeftovers(names, logger);
                throw;
            }
        }
        try
        {
            var gateway = Ipv4Prefix.ToAddress(subnet.First);
            var relay = new ApiServerRelay(gateway, server, logger);
            var kubeconfig = Path.Combine(stateDir, "pod-kubeconfig");
            PodKubeconfig.Write(kubeconfig, new Uri($"http://{relay.Endpoint}"));
            return new BridgePodNetwork(names, subnet, relay, kubeconfig, logger);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            RemoveLeftovers(names, logger);
            throw new IOException($"API server relay on the bridge: {e.Message}", e);
        }
    }

    public PodSandbox Create(string podUid, string? previousIp)
    {
        IPAddress ip;
        lock (_lock)
        {
            if (_sandboxes.TryGetValue(podUid, out var existing))
            {
                return Sandbox(existing);
            }
            _ips.TryAdopt(podUid, previousIp);
            ip = _ips.Allocate(podUid);
            _sandboxes[podUid] = ip;
        }
        try
        {
            if (File.Exists(NamespacePath(ip)))
            {
                // A leftover of a pod whose removal failed: its address is free again, so its namespace must go.
                Tear(ip);
            }
            IpCommand.RunAll(PodNetworkPlan.AddPod(_names, _subnet, ip));
        }
        catch (IOException)
        {
            Remove(podUid);
            throw;
        }
        return Sandbox(ip);
    }

    public void Remove(string podUid)
    {
        IPAddress? ip;
        lock (_lock)
        {
            if (!_sandboxes.Remove(podUid, out ip))
            {
                return;
            }
        }
        Tear(ip);
        lock (_lock)
        {
            _ips.Release(podUid);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _relay.DisposeAsync();
        List<IPAddress> left;
        lock (_lock)
        {
            left = [.. _sandboxes.Values];
            _sandboxes.Clear();
        }
        foreach (var ip in left)
        {
            Tear(ip);
        }
        foreach (var failure in IpCommand.RemoveAll([["link", "del", _names.Bridge]]))
        {
            LogRemoveFailed(_logger, _names.Bridge, failure);
        }
        RemoveLeftovers(_names, _logger);
        File.Delete(_kubeconfig);
        LogRemoved(_logger, _names.Bridge, left.Count);
    }

    /// <summary>Where <c>ip netns add</c> mounts a namespace, and what <c>nsenter --net</c> joins.</summary>
    private string NamespacePath(IPAddress ip) => Path.Combine("/run/netns", _names.Namespace(ip));

    private PodSandbox Sandbox(IPAddress ip) => new(ip.ToString(), HostIp, _names.Namespace(ip), _kubeconfig);

    /// <summary>Kills whatever still runs in the pod's namespace (a process that left its group), then removes it.</summary>
    private void Tear(IPAddress ip)
    {
        var ns = _names.Namespace(ip);
        if (File.Exists(NamespacePath(ip)))
        {
            KillProcessesIn(ns, _logger);
        }
        foreach (var failure in IpCommand.RemoveAll(PodNetworkPlan.RemovePod(_names, _subnet, ip)))
        {
            LogRemoveFailed(_logger, ns, failure);
        }
    }

    /// <summary>
    /// What a node of <paramref name="stateDir"/> killed with SIGKILL left behind (<c>--remove-pod-network</c>, which
    /// <c>make kube-local-stop</c> runs after a SIGKILL); nothing when this host cannot do network namespaces.
    /// </summary>
    public static void RemoveLeftovers(string stateDir, ILogger logger)
    {
        if (PodNetworkSupport.WhyNotNetns() is null)
        {
            RemoveLeftovers(PodNetworkNames.For(stateDir), logger);
        }
    }

    /// <summary>Every namespace and link of this node's names: a crashed run's at start, anything missed at stop.</summary>
    private static void RemoveLeftovers(PodNetworkNames names, ILogger logger)
    {
        var plan = new List<string[]>();
        foreach (var line in IpCommand.Run(["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "kl-1a2b3c-10.244.0.2 (id: 3)"
            var ns = line.Split(' ')[0];
            if (ns.StartsWith(names.NamespacePrefix, StringComparison.Ordinal))
            {
                KillProcessesIn(ns, logger);
                plan.Add(["netns", "del", ns]);
            }
        }
        foreach (var line in IpCommand.Run(["-o", "link", "show"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "12: kl1a2b3cv2@if3: <BROADCAST,...>" — the name is the second field, before any '@'.
            var name = line.Split(':', 3)[1].Trim().Split('@')[0];
            if (name.StartsWith(names.LinkPrefix, StringComparison.Ordinal))
            {
                // Veths before the bridge: deleting a pair's host end is immediate, a namespace's own end is not.
                plan.Insert(0, ["link", "del", name]);
            }
        }
        foreach (var step in plan)
        {
            LogLeftover(logger, step[^1]);
        }
        foreach (var failure in IpCommand.RemoveAll(plan))
        {
            LogRemoveFailed(logger, names.NodeId, failure);
        }
    }

    private static void KillProcessesIn(string ns, ILogger logger)
    {
        foreach (var line in IpCommand.Run(["netns", "pids", ns]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                LogStray(logger, ns, pid);
                ContainerProcess.Kill(pid);
            }
        }
    }

    private static async Task<FileStream> HoldSubnetLockAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // FileShare.None takes an exclusive flock on Linux; it is released when the stream is closed.
                return new FileStream(SubnetLock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 300)
            {
                await Task.Delay(100);
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "removing {Name}: the run of this node that made it did not")]
    private static partial void LogLeftover(ILogger logger, string name);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "pod network clean-up {Name}: {Failure}")]
    private static partial void LogRemoveFailed(ILogger logger, string name, string failure);

    [LoggerMessage(EventId = 903, Level = LogLevel.Warning, Message = "killing pid {Pid} still running in network namespace {Namespace}")]
    private static partial void LogStray(ILogger logger, string @namespace, int pid);

    [LoggerMessage(EventId = 904, Level = LogLevel.Information, Message = "pod network removed: bridge {Bridge} and {Pods} pods' namespaces")]
    private static partial void LogRemoved(ILogger logger, string bridge, int pods);
}
