namespace Fjord.Metadata;

/// <summary>
/// The active controller's soft state of broker liveness (Kafka's BrokerHeartbeatManager): when each registered
/// broker's session started, either from its last heartbeat or from a grant the controller made without hearing
/// from it. Grants exist because a controller that could not listen (newly active, or stood still) must not fence
/// brokers for heartbeats it never took. A grant is only extended for a broker heard from since the last one: a
/// broker silent through a whole granted session is gone, however many times the controller stalls meanwhile.
/// Without that rule every stall restarted the session of a killed broker, so its next incarnation was refused
/// DUPLICATE_BROKER_REGISTRATION for as long as the controller kept stalling (a loaded machine after the quorum
/// was lost and regained). Pure: time comes from the injected <see cref="TimeProvider"/>. Not thread-safe.
/// </summary>
internal sealed class BrokerSessions(TimeProvider time, TimeSpan timeout)
{
    private readonly Dictionary<int, long> _startedAt = [];

    /// <summary>Brokers whose session is a grant they have not answered with a heartbeat yet.</summary>
    private readonly HashSet<int> _silentSinceGrant = [];

    /// <summary>The broker was heard from: its session starts now.</summary>
    public void Touch(int brokerId)
    {
        _startedAt[brokerId] = time.GetTimestamp();
        _silentSinceGrant.Remove(brokerId);
    }

    /// <summary>A newly active controller: every broker in <paramref name="brokerIds"/> gets a session from now.</summary>
    public void Start(IEnumerable<int> brokerIds)
    {
        Clear();
        Grant(brokerIds);
    }

    /// <summary>
    /// The controller could not listen for a while: every broker heard from since its last grant gets a session from
    /// now; one still silent since its last grant keeps that grant's deadline.
    /// </summary>
    public void Grant(IEnumerable<int> brokerIds)
    {
        var now = time.GetTimestamp();
        foreach (var id in brokerIds)
        {
            if (_silentSinceGrant.Contains(id) && _startedAt.ContainsKey(id)) continue;
            _startedAt[id] = now;
            _silentSinceGrant.Add(id);
        }
    }

    /// <summary>True when the broker has no session or its session ran out.</summary>
    public bool Expired(int brokerId) =>
        !_startedAt.TryGetValue(brokerId, out var started) || time.GetElapsedTime(started) >= timeout;

    /// <summary>The broker is unregistered: it has no session any more.</summary>
    public void Remove(int brokerId)
    {
        _startedAt.Remove(brokerId);
        _silentSinceGrant.Remove(brokerId);
    }

    /// <summary>The controller stopped being active: soft state is dropped.</summary>
    public void Clear()
    {
        _startedAt.Clear();
        _silentSinceGrant.Clear();
    }
}
