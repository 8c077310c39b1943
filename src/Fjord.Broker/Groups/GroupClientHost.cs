using System.Net;
using Fjord.Broker.Network;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>The client host DescribeGroups shows, in Kafka's spelling ("/127.0.0.1"). Thread-safe: static.</summary>
public static class GroupClientHost
{
    public static string Of(RequestContext context) => context.RemoteEndPoint switch
    {
        IPEndPoint ip => "/" + ip.Address,
        null => "",
        var other => "/" + other,
    };
}
