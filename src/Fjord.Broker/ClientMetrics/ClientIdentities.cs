using System.Net;
using Fjord.Broker.Network;
using Fjord.Protocol;

namespace Fjord.Broker.ClientMetrics;

/// <summary>Builds a request's <see cref="ClientIdentity"/> from its connection. Stateless; safe on any thread.</summary>
public static class ClientIdentities
{
    public static ClientIdentity Of(RequestContext context, Uuid instanceId)
    {
        var source = context.RemoteEndPoint as IPEndPoint;
        return new(instanceId, context.ClientId ?? "", context.Software.Name, context.Software.Version,
            source?.Address.ToString() ?? "", source?.Port ?? 0);
    }
}
