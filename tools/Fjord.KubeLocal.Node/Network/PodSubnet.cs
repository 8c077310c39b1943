namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Picks the subnet of a node's pod bridge so it cannot collide with any network the host already has: either the
/// one <c>--pod-cidr</c> names (refused when it overlaps a host address or route) or, by default, the first of
/// 10.244.0.0/24 … 10.244.255.0/24 (flannel's range) that overlaps none. A running node's bridge is itself a host
/// route, so a second node on the same host takes the next /24. Pure: the host's networks come from
/// <see cref="ParseHostNetworks"/>.
/// </summary>
internal static class PodSubnet
{
    private static readonly HashSet<string> RouteTypes = new(StringComparer.Ordinal)
    {
        "unicast", "local", "broadcast", "multicast", "anycast", "blackhole", "unreachable", "prohibit", "throw", "nat",
    };

    /// <summary>The subnet to use, or an error saying why none fits.</summary>
    public static (Ipv4Prefix? Subnet, string? Error) Choose(string? requested, IReadOnlyCollection<Ipv4Prefix> hostNetworks)
    {
        if (requested is not null)
        {
            if (!Ipv4Prefix.TryParse(requested, out var subnet) || subnet.Length is < 16 or > 28)
            {
                return (null, $"--pod-cidr {requested} must be an IPv4 CIDR from /16 to /28");
            }
            var clash = hostNetworks.Where(subnet.Overlaps).Select(n => n.ToString()).Distinct().ToList();
            return clash.Count == 0 ? (subnet, null) : (null, $"--pod-cidr {subnet} overlaps host network(s) {string.Join(", ", clash)}");
        }
        for (uint third = 0; third < 256; third++)
        {
            var candidate = new Ipv4Prefix((10u << 24) | (244u << 16) | (third << 8), 24);
            if (!hostNetworks.Any(candidate.Overlaps))
            {
                return (candidate, null);
            }
        }
        return (null, "every 10.244.X.0/24 overlaps a host network; choose one with --pod-cidr");
    }

    /// <summary>
    /// The networks in <c>ip -4 -o addr show</c> (each interface's prefix) and <c>ip -4 route show table all</c>
    /// (each destination but the default route, with or without a leading route type).
    /// </summary>
    public static IReadOnlyList<Ipv4Prefix> ParseHostNetworks(string addresses, string routes)
    {
        var networks = new List<Ipv4Prefix>();
        foreach (var line in addresses.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft forever ..."
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inet = Array.IndexOf(words, "inet");
            if (inet >= 0 && inet + 1 < words.Length && Ipv4Prefix.TryParse(words[inet + 1], out var network))
            {
                networks.Add(network);
            }
        }
        foreach (var line in routes.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "192.0.2.0/24 dev eth0 proto kernel ...", "local 127.0.0.0/8 dev lo table local ...", "default via ..."
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var destination = words.Length > 1 && RouteTypes.Contains(words[0]) ? words[1] : words[0];
            if (destination != "default" && Ipv4Prefix.TryParse(destination, out var network))
            {
                networks.Add(network);
            }
        }
        return networks;
    }
}
