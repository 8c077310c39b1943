using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// Broker lifecycle (KIP-631): registration, heartbeats, fencing on session expiry, controlled shutdown
// (KIP-841: a broker in controlled shutdown leaves every ISR and leadership first), unregistration.
public sealed partial class QuorumController
{
    /// <summary>
    /// Registers a broker incarnation. A retry of the same incarnation gets its epoch back; a new
    /// incarnation replaces the old one unless that one is unfenced and still heartbeating
    /// (DUPLICATE_BROKER_REGISTRATION). A new registration starts fenced; heartbeats unfence it.
    /// </summary>
    public ControllerResult<BrokerRegistrationReply> RegisterBroker(BrokerRegistrationRequest request)
    {
        EnsureActive();
        if (request.BrokerId < 0) return new([], new BrokerRegistrationReply(ErrorCode.InvalidRequest, -1));
        if (Image.Brokers.TryGetValue(request.BrokerId, out var existing))
        {
            if (existing.IncarnationId == request.IncarnationId)
            {
                Touch(request.BrokerId);
                return new([], new BrokerRegistrationReply(ErrorCode.None, existing.Epoch));
            }
            if (!existing.Fenced && !SessionExpired(request.BrokerId))
                return new([], new BrokerRegistrationReply(ErrorCode.DuplicateBrokerRegistration, -1));
        }
        var builder = new ControllerRecordBuilder(Image);
        var epoch = Image.BrokerEpochHighWater + 1;
        var record = new BrokerRegistration(request.BrokerId, request.IncarnationId, epoch, request.Rack,
            [.. request.Endpoints], Fenced: true, InControlledShutdown: false, request.LogDirId).ToRecord();
        builder.Add(new MetadataRecord { RegisterBroker = record });
        // The previous incarnation is gone: whatever it led or was in sync for must move now.
        // One whose data is gone leaves even an ISR it is the last member of: an empty replica must never be elected
        // (the partition stays leaderless until a replica with the data returns or an unclean election is asked for),
        // and it rejoins ISRs only by fetching everything again.
        MoveReplicasOff(builder, request.BrokerId, keepLastIsrMember: existing is null || !LostItsData(existing, request));
        Touch(request.BrokerId);
        return builder.Result(new BrokerRegistrationReply(ErrorCode.None, epoch));
    }

    /// <summary>
    /// KIP-858/KIP-903: a broker that registers with another data directory than its last registration (a lost
    /// volume, an emptied disk) no longer has the records it was in sync for. Both ids must be known: a broker that
    /// registered before directory ids existed keeps the benefit of the doubt.
    /// </summary>
    private static bool LostItsData(BrokerRegistration existing, BrokerRegistrationRequest request) =>
        existing.LogDirId != Guid.Empty && request.LogDirId != Guid.Empty && existing.LogDirId != request.LogDirId;

    /// <summary>
    /// A heartbeat: renews the session; unfences a broker that no longer wants to be fenced (and elects it
    /// where partitions had no leader); fences one that asks to be; runs controlled shutdown, answering
    /// ShouldShutDown once the broker leads nothing.
    /// </summary>
    public ControllerResult<BrokerHeartbeatReply> BrokerHeartbeat(BrokerHeartbeatRequest request)
    {
        EnsureActive();
        if (!Image.Brokers.TryGetValue(request.BrokerId, out var broker))
            return new([], new BrokerHeartbeatReply(ErrorCode.BrokerIdNotRegistered, true, false, false));
        if (broker.Epoch != request.BrokerEpoch)
            return new([], new BrokerHeartbeatReply(ErrorCode.StaleBrokerEpoch, true, false, false));
        Touch(request.BrokerId);
        var builder = new ControllerRecordBuilder(Image);
        var id = request.BrokerId;
        if (request.WantShutDown)
        {
            if (broker.Fenced)
                return new([], new BrokerHeartbeatReply(ErrorCode.None, true, broker.InControlledShutdown, true));
            if (!broker.InControlledShutdown)
                builder.Add(new MetadataRecord
                {
                    BrokerRegistrationChange = new BrokerRegistrationChangeRecord { BrokerId = id, BrokerEpoch = broker.Epoch, InControlledShutdown = true },
                });
            MoveReplicasOff(builder, id);
            var leadsAny = builder.Image.TopicsById.Values.Any(t => t.Partitions.Values.Any(p => p.Leader == id));
            if (!leadsAny)
                builder.Add(new MetadataRecord { FenceBroker = new FenceBrokerRecord { BrokerId = id, BrokerEpoch = broker.Epoch } });
            return builder.Result(new BrokerHeartbeatReply(ErrorCode.None, !leadsAny, true, !leadsAny));
        }
        if (broker.Fenced && !request.WantFence && !broker.InControlledShutdown)
        {
            builder.Add(new MetadataRecord { UnfenceBroker = new UnfenceBrokerRecord { BrokerId = id, BrokerEpoch = broker.Epoch } });
            ElectLeaderless(builder, onlyWithReplica: id);
        }
        else if (!broker.Fenced && request.WantFence)
        {
            builder.Add(new MetadataRecord { FenceBroker = new FenceBrokerRecord { BrokerId = id, BrokerEpoch = broker.Epoch } });
            MoveReplicasOff(builder, id);
        }
        var after = builder.Image.Brokers[id];
        return builder.Result(new BrokerHeartbeatReply(ErrorCode.None, after.Fenced, after.InControlledShutdown, false));
    }

    /// <summary>
    /// Periodic work, driven by the event loop's timer: fences brokers whose session expired
    /// (<c>broker.session.timeout.ms</c>), elects leaders for leaderless partitions that can have one, and
    /// every <c>leader.imbalance.check.interval.seconds</c> moves leadership back to preferred replicas.
    /// The response is the number of brokers fenced.
    /// </summary>
    public ControllerResult<int> Tick()
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var fenced = 0;
        foreach (var broker in Image.Brokers.Values)
        {
            if (broker.Fenced || !SessionExpired(broker.Id)) continue;
            builder.Add(new MetadataRecord { FenceBroker = new FenceBrokerRecord { BrokerId = broker.Id, BrokerEpoch = broker.Epoch } });
            if (!PlantedMetadataBugs.Has(PlantedMetadataBug.FencingLeavesLeaderships)) MoveReplicasOff(builder, broker.Id);
            fenced++;
        }
        ElectLeaderless(builder);
        if (_options.AutoLeaderRebalanceEnable && _time.GetElapsedTime(_lastImbalanceCheck) >= _options.LeaderImbalanceCheckInterval)
        {
            _lastImbalanceCheck = _time.GetTimestamp();
            ElectPreferredWherePossible(builder);
        }
        return builder.Result(fenced);
    }

    /// <summary>Removes a broker's registration (it is decommissioned); its replicas leave ISRs and leaderships.</summary>
    public ControllerResult<ErrorCode> UnregisterBroker(int brokerId)
    {
        EnsureActive();
        if (!Image.Brokers.TryGetValue(brokerId, out var broker)) return new([], ErrorCode.BrokerIdNotRegistered);
        var builder = new ControllerRecordBuilder(Image);
        builder.Add(new MetadataRecord { UnregisterBroker = new UnregisterBrokerRecord { BrokerId = brokerId, BrokerEpoch = broker.Epoch } });
        MoveReplicasOff(builder, brokerId);
        _sessions.Remove(brokerId);
        return builder.Result(ErrorCode.None);
    }

    /// <summary>Hands out the next block of producer ids to a registered broker (KIP-730).</summary>
    public ControllerResult<ProducerIdBlock> AllocateProducerIds(int brokerId, long brokerEpoch)
    {
        EnsureActive();
        if (!Image.Brokers.TryGetValue(brokerId, out var broker)) return new([], new ProducerIdBlock(ErrorCode.BrokerIdNotRegistered, -1, 0));
        if (broker.Epoch != brokerEpoch) return new([], new ProducerIdBlock(ErrorCode.StaleBrokerEpoch, -1, 0));
        var first = Image.NextProducerId;
        var size = _options.ProducerIdBlockSize;
        if (first > long.MaxValue - size) return new([], new ProducerIdBlock(ErrorCode.UnknownServerError, -1, 0));
        var record = new MetadataRecord
        {
            ProducerIds = new ProducerIdsRecord { BrokerId = brokerId, BrokerEpoch = brokerEpoch, NextProducerId = first + size },
        };
        return new([record], new ProducerIdBlock(ErrorCode.None, first, size));
    }

    /// <summary>
    /// Makes every later producer-id block start at or above <paramref name="nextProducerId"/>: ids a migrated data
    /// directory handed out before it had a controller are never issued again. No record when the blocks are past it.
    /// </summary>
    public ControllerResult<long> AdvanceProducerIds(long nextProducerId)
    {
        EnsureActive();
        if (nextProducerId <= Image.NextProducerId) return new([], Image.NextProducerId);
        var record = new MetadataRecord { ProducerIds = new ProducerIdsRecord { BrokerId = -1, BrokerEpoch = -1, NextProducerId = nextProducerId } };
        return new([record], nextProducerId);
    }
}
