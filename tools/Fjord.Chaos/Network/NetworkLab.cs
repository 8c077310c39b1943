using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos.Network;

/// <summary>
/// One network namespace per broker (<c>fjchaos-PID-N</c>), each joined by a veth pair to a bridge
/// (<c>fjcPIDb</c>) in the root namespace that holds the bridge's own /24 (10.231.X.1). The harness, in the
/// root namespace, reaches every broker at 10.231.X.(10+N); a partition adds blackhole routes inside the
/// namespaces or takes the victim's link down. Nothing host-wide changes: no sysctls, no routes beyond the
/// bridge's subnet. Names carry the harness pid so <see cref="RemoveStale"/> can sweep what a crashed run
/// left behind without touching a concurrent run's. Not thread-safe: the runner and the nemesis (one fault
/// at a time per victim) call it in turn.
/// </summary>
public sealed partial class NetworkLab : IDisposable
{
    private const string NamespacePrefix = "fjchaos-";
    private const string LinkPrefix = "fjc";
    private readonly ILogger _logger;
    private readonly int _pid = Environment.ProcessId;
    private readonly int _nodes;
    private readonly int _subnet;
    private bool _disposed;

    private NetworkLab(int nodes, int subnet, ILogger logger)
    {
        _nodes = nodes;
        _subnet = subnet;
        _logger = logger;
    }

    private string Bridge => $"{LinkPrefix}{_pid}b";

    /// <summary>The namespace a node's process runs in.</summary>
    public string NamespaceOf(int node) => $"{NamespacePrefix}{_pid}-{node}";

    /// <summary>The address a node binds and advertises.</summary>
    public string AddressOf(int node) => $"10.231.{_subnet}.{10 + node}";

    private string HostLinkOf(int node) => $"{LinkPrefix}{_pid}v{node}";

    /// <summary>
    /// Builds the namespaces, or returns null with the reason when this machine cannot (not root, no
    /// <c>ip netns</c>, no bridge support); the caller then runs without partitions.
    /// </summary>
    public static NetworkLab? TryCreate(int nodes, ILogger logger, out string? whyNot)
    {
        whyNot = null;
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            whyNot = "network namespaces need root on Linux";
            return null;
        }
        try
        {
            RemoveStale(logger);
            var lab = new NetworkLab(nodes, FreeSubnet(), logger);
            try
            {
                lab.Build();
                return lab;
            }
            catch (InvalidOperationException e)
            {
                lab.Dispose();
                whyNot = e.Message;
                return null;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            whyNot = e.Message;
            return null;
        }
    }

    private void Build()
    {
        IpCommand.Run("link", "add", Bridge, "type", "bridge");
        IpCommand.Run("addr", "add", $"10.231.{_subnet}.1/24", "dev", Bridge);
        IpCommand.Run("link", "set", Bridge, "up");
        for (var node = 0; node < _nodes; node++)
        {
            var ns = NamespaceOf(node);
            IpCommand.Run("netns", "add", ns);
            IpCommand.Run("link", "add", HostLinkOf(node), "type", "veth", "peer", "name", "eth0", "netns", ns);
            IpCommand.Run("link", "set", HostLinkOf(node), "master", Bridge);
            IpCommand.Run("link", "set", HostLinkOf(node), "up");
            IpCommand.Run("-n", ns, "addr", "add", $"{AddressOf(node)}/24", "dev", "eth0");
            IpCommand.Run("-n", ns, "link", "set", "eth0", "up");
            IpCommand.Run("-n", ns, "link", "set", "lo", "up");
        }
        Log.LabReady(_logger, _nodes, Bridge, $"10.231.{_subnet}.0/24");
    }

    /// <summary>Cuts <paramref name="victim"/> off as <paramref name="scope"/> says; <see cref="Heal"/> undoes it.</summary>
    public void Isolate(int victim, PartitionScope scope)
    {
        if (scope == PartitionScope.Full)
        {
            IpCommand.Run("link", "set", HostLinkOf(victim), "down");
            return;
        }
        for (var peer = 0; peer < _nodes; peer++)
        {
            if (peer == victim) continue;
            IpCommand.Run("-n", NamespaceOf(victim), "route", "add", "blackhole", $"{AddressOf(peer)}/32");
            IpCommand.Run("-n", NamespaceOf(peer), "route", "add", "blackhole", $"{AddressOf(victim)}/32");
        }
    }

    /// <summary>Undoes <see cref="Isolate"/> of <paramref name="victim"/>, leaving any other victim's rules alone.</summary>
    public void Heal(int victim, PartitionScope scope)
    {
        if (scope == PartitionScope.Full)
        {
            IpCommand.Run("link", "set", HostLinkOf(victim), "up");
            return;
        }
        for (var peer = 0; peer < _nodes; peer++)
        {
            if (peer == victim) continue;
            IpCommand.Run("-n", NamespaceOf(victim), "route", "del", "blackhole", $"{AddressOf(peer)}/32");
            IpCommand.Run("-n", NamespaceOf(peer), "route", "del", "blackhole", $"{AddressOf(victim)}/32");
        }
    }

    /// <summary>Removes every partition rule there is (links up, blackhole routes gone); for the final heal.</summary>
    public void HealAll()
    {
        for (var node = 0; node < _nodes; node++)
        {
            IpCommand.Run("link", "set", HostLinkOf(node), "up");
            foreach (var line in IpCommand.Run("-n", NamespaceOf(node), "route", "show", "type", "blackhole").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // "blackhole 10.231.X.Y" — the destination is the second word.
                var destination = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
                IpCommand.Run("-n", NamespaceOf(node), "route", "del", "blackhole", destination);
            }
        }
    }

    /// <summary>
    /// Deletes namespaces and links named by this tool whose owning harness process is gone, after killing
    /// the broker processes still running inside such a namespace (they were started by that dead harness).
    /// </summary>
    public static void RemoveStale(ILogger logger)
    {
        foreach (var line in IpCommand.Run("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var ns = line.Split(' ')[0];
            if (!ns.StartsWith(NamespacePrefix, StringComparison.Ordinal)) continue;
            var owner = ns[NamespacePrefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) || IsAlive(pid)) continue;
            foreach (var processLine in IpCommand.Run("netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(processLine.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stray))
                    Signals.Send(stray, Signals.Kill);
            }
            IpCommand.Run("netns", "del", ns);
            Log.StaleRemoved(logger, ns);
        }
        foreach (var line in IpCommand.Run("-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "12: fjc1234v0@if3: <...>" — the name is the second field, before any '@'.
            var name = line.Split(':', 3)[1].Trim().Split('@')[0];
            if (!name.StartsWith(LinkPrefix, StringComparison.Ordinal) || name.Length < LinkPrefix.Length + 2) continue;
            var digits = new string(name[LinkPrefix.Length..].TakeWhile(char.IsAsciiDigit).ToArray());
            var kind = name[(LinkPrefix.Length + digits.Length)..];
            if (digits.Length == 0 || !(kind == "b" || (kind.StartsWith('v') && kind[1..].All(char.IsAsciiDigit) && kind.Length > 1))) continue;
            if (IsAlive(int.Parse(digits, CultureInfo.InvariantCulture))) continue;
            if (IpCommand.TryRun(out var error, "link", "del", name)) Log.StaleRemoved(logger, name);
            else Log.HealStepFailed(logger, -1, error);
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>A 10.231.X.0/24 no interface on this host uses yet, starting from one derived from the pid.</summary>
    private static int FreeSubnet()
    {
        var addresses = IpCommand.Run("-4", "-o", "addr", "show");
        var start = Environment.ProcessId % 200;
        for (var i = 0; i < 250; i++)
        {
            var candidate = (start + i) % 250;
            if (!addresses.Contains($" 10.231.{candidate}.", StringComparison.Ordinal)) return candidate;
        }
        throw new InvalidOperationException("no free 10.231.X.0/24 subnet for the chaos bridge");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (var node = 0; node < _nodes; node++)
        {
            // Deleting the namespace deletes its end of the veth and, with it, the host end.
            if (!IpCommand.TryRun(out var error, "netns", "del", NamespaceOf(node)) && !error.Contains("No such file", StringComparison.Ordinal))
                Log.HealStepFailed(_logger, node, error);
            // The host end normally goes with the namespace, but the kernel removes it asynchronously: it may still
            // be listed and be gone a moment later, so "Cannot find device" means done.
            if (IpCommand.Run("-o", "link", "show").Contains($" {HostLinkOf(node)}@", StringComparison.Ordinal)
                && !IpCommand.TryRun(out var linkError, "link", "del", HostLinkOf(node)) && !linkError.Contains("Cannot find", StringComparison.Ordinal))
                Log.HealStepFailed(_logger, node, linkError);
        }
        if (!IpCommand.TryRun(out var bridgeError, "link", "del", Bridge) && !bridgeError.Contains("Cannot find", StringComparison.Ordinal))
            Log.HealStepFailed(_logger, -1, bridgeError);
        Log.LabRemoved(_logger, Bridge);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "network namespaces ready: {Nodes} nodes on bridge {Bridge} ({Subnet})")]
        public static partial void LabReady(ILogger logger, int nodes, string bridge, string subnet);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "network namespaces and bridge {Bridge} removed")]
        public static partial void LabRemoved(ILogger logger, string bridge);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "removed stale {Name} left by a harness that is gone")]
        public static partial void StaleRemoved(ILogger logger, string name);

        [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "network clean-up step for node {Node} failed: {Error}")]
        public static partial void HealStepFailed(ILogger logger, int node, string error);
    }
}
