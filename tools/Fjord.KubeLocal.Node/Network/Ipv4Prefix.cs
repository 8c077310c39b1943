using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>An IPv4 network in CIDR form (<c>10.244.0.0/24</c>), with the arithmetic the pod network needs. Pure.</summary>
internal readonly record struct Ipv4Prefix(uint Network, int Length)
{
    public uint Mask => Length == 0 ? 0 : uint.MaxValue << (32 - Length);

    /// <summary>The first address after the network address (a CNI bridge's gateway).</summary>
    public uint First => Network + 1;

    /// <summary>The last address before the broadcast address.</summary>
    public uint Last => (Network | ~Mask) - 1;

    public static Ipv4Prefix Parse(string text)
    {
        if (!TryParse(text, out var prefix))
        {
            throw new ArgumentException($"{text} is not an IPv4 CIDR such as 10.244.0.0/24");
        }
        return prefix;
    }

    /// <summary>Parses <c>a.b.c.d/n</c> (host bits are cleared) or a bare address as a /32.</summary>
    public static bool TryParse(string text, out Ipv4Prefix prefix)
    {
        prefix = default;
        var parts = text.Split('/');
        var length = 32;
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 32)))
        {
            return false;
        }
        var network = ToUInt(address);
        var mask = length == 0 ? 0 : uint.MaxValue << (32 - length);
        prefix = new Ipv4Prefix(network & mask, length);
        return true;
    }

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Contains(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork && Contains(ToUInt(address));

    /// <summary>True when some address lies in both networks (one contains the other).</summary>
    public bool Overlaps(Ipv4Prefix other) => Contains(other.Network) || other.Contains(Network);

    public static uint ToUInt(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    public static IPAddress ToAddress(uint address) =>
        new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

    public override string ToString() => $"{ToAddress(Network)}/{Length}";
}
