using System.Collections.Immutable;
using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// A broker as the metadata log knows it (KIP-631): the incarnation that registered last, its epoch,
/// rack, listeners, whether it is fenced or in controlled shutdown (KIP-841: neither may join an
/// ISR or lead), and the id of the data directory it registered with (KIP-858: a new id means its data is gone).
/// Immutable; safe on any thread.
/// </summary>
public sealed record BrokerRegistration(
    int Id,
    Guid IncarnationId,
    long Epoch,
    string? Rack,
    ImmutableArray<BrokerEndpointInfo> Endpoints,
    bool Fenced,
    bool InControlledShutdown,
    Guid LogDirId = default)
{
    /// <summary>May this broker be in an ISR or lead a partition (unfenced and not shutting down)?</summary>
    public bool IsEligibleReplica => !Fenced && !InControlledShutdown;

    /// <summary>Builds the registration a <see cref="RegisterBrokerRecord"/> describes.</summary>
    public static BrokerRegistration FromRecord(RegisterBrokerRecord r) => new(
        r.BrokerId,
        Uuids.ToGuid(r.IncarnationId),
        r.BrokerEpoch,
        r.HasRack ? r.Rack : null,
        [.. r.Endpoints.Select(e => new BrokerEndpointInfo(e.Name, e.Host, e.Port, e.SecurityProtocol))],
        r.Fenced,
        r.InControlledShutdown,
        r.LogDirId.IsEmpty ? Guid.Empty : Uuids.ToGuid(r.LogDirId));

    /// <summary>The record that recreates this registration (for snapshots).</summary>
    public RegisterBrokerRecord ToRecord()
    {
        var r = new RegisterBrokerRecord
        {
            BrokerId = Id,
            IncarnationId = Uuids.ToByteString(IncarnationId),
            BrokerEpoch = Epoch,
            Fenced = Fenced,
            InControlledShutdown = InControlledShutdown,
        };
        if (LogDirId != Guid.Empty) r.LogDirId = Uuids.ToByteString(LogDirId);
        if (Rack is not null) r.Rack = Rack;
        foreach (var e in Endpoints)
            r.Endpoints.Add(new BrokerEndpoint { Name = e.Name, Host = e.Host, Port = e.Port, SecurityProtocol = e.SecurityProtocol });
        return r;
    }
}
