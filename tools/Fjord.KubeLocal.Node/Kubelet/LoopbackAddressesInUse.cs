using System.Globalization;
using System.Net;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// The IPv4 addresses local sockets on this host are bound to, from <c>/proc/net/tcp</c> (any state: a listener, a
/// connection or a socket lingering in TIME_WAIT all make an address unsafe to hand to a new pod). Empty where
/// the file does not exist.
/// </summary>
internal static class LoopbackAddressesInUse
{
    public static IReadOnlySet<IPAddress> Read(string procNetTcp = "/proc/net/tcp")
    {
        var addresses = new HashSet<IPAddress>();
        if (!File.Exists(procNetTcp))
        {
            return addresses;
        }
        foreach (var line in File.ReadLines(procNetTcp).Skip(1))
        {
            // "  0: 0200F47F:2384 00000000:0000 0A ..." — the local address is little-endian hex, then the port.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 1 && fields[1].Split(':') is [var hex, _]
                && uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var raw))
            {
                addresses.Add(new IPAddress(raw));
            }
        }
        return addresses;
    }
}
