namespace Fjord.Broker.Network;

/// <summary>
/// The client software a connection announced in ApiVersions v3+ (KIP-511), kept for the connection's lifetime:
/// KIP-714 subscriptions match on it and client metrics are labelled with it. Empty until announced.
/// Owned by one connection's request loop; not thread-safe.
/// </summary>
public sealed class ClientSoftware
{
    public string Name { get; set; } = "";

    public string Version { get; set; } = "";
}
