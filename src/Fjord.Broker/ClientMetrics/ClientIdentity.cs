using System.Globalization;
using Fjord.Protocol;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// What a subscription's <c>match</c> can select on and what the exported series are labelled with: the client's
/// instance id, its client.id, the software name and version it sent in ApiVersions v3+, and its source address.
/// Immutable value; safe on any thread.
/// </summary>
public readonly record struct ClientIdentity(Uuid InstanceId, string ClientId, string SoftwareName, string SoftwareVersion, string SourceAddress, int SourcePort)
{
    public string Selector(string selector) => selector switch
    {
        ClientMetricsConfigs.ClientInstanceId => InstanceId.ToString(),
        ClientMetricsConfigs.ClientId => ClientId,
        ClientMetricsConfigs.ClientSoftwareName => SoftwareName,
        ClientMetricsConfigs.ClientSoftwareVersion => SoftwareVersion,
        ClientMetricsConfigs.ClientSourceAddress => SourceAddress,
        ClientMetricsConfigs.ClientSourcePort => SourcePort.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(selector), selector, "not a client metrics match selector"),
    };
}
