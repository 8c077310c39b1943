using System.Net;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;

namespace Fjord.Broker.Network;

/// <summary>
/// What a handler knows about the request it serves: who sent it and in which version, plus a
/// place to park resources (pooled fetch buffers) that must outlive the handler until the response
/// has been written. Owned by one connection's request loop; not thread-safe.
/// </summary>
public sealed class RequestContext(string connectionId, EndPoint? remoteEndPoint, short apiVersion, int correlationId, string? clientId, CancellationToken connectionClosed)
{
    private List<IDisposable>? _responseResources;

    public string ConnectionId { get; } = connectionId;

    public EndPoint? RemoteEndPoint { get; } = remoteEndPoint;

    public short ApiVersion { get; } = apiVersion;

    public int CorrelationId { get; } = correlationId;

    public string? ClientId { get; } = clientId;

    /// <summary>The connection's SASL state on a SASL_PLAINTEXT/SASL_SSL listener; null where the listener does not authenticate.</summary>
    public SaslSession? Sasl { get; init; }

    /// <summary>The software the connection announced in ApiVersions; a fresh empty one for forwarded requests.</summary>
    public ClientSoftware Software { get; init; } = new();
    /// <summary>
    /// Who sent the request, as the authorizer sees it (Kafka's KafkaPrincipal): <c>User:name</c> after SASL,
    /// <c>User:ANONYMOUS</c> otherwise, or the principal another broker forwarded the request for (KIP-590).
    /// </summary>
    public string Principal => ForwardedPrincipal ?? Sasl?.Principal ?? AclAuthorizer.AnonymousPrincipal;

    /// <summary>The principal a forwarding broker authenticated the request's client as.</summary>
    public string? ForwardedPrincipal { get; init; }

    /// <summary>The client's address as ACL hosts name it; for a forwarded request, the one the forwarding broker saw.</summary>
    public string ClientHost => ForwardedClientHost ?? (RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "";

    /// <summary>The client address a forwarding broker reported.</summary>
    public string? ForwardedClientHost { get; init; }

    /// <summary>Fires when the client goes away or the broker shuts down; long polls stop waiting.</summary>
    public CancellationToken ConnectionClosed { get; } = connectionClosed;

    /// <summary>Keeps <paramref name="resource"/> alive until the response bytes are written, then disposes it.</summary>
    public void DisposeAfterResponse(IDisposable resource) => (_responseResources ??= []).Add(resource);

    internal void ReleaseResponseResources()
    {
        if (_responseResources is null)
        {
            return;
        }

        foreach (var resource in _responseResources)
        {
            resource.Dispose();
        }

        _responseResources.Clear();
    }
}
