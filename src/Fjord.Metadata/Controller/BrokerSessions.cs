namespace Fjord.Metadata;

/// <summary>
/// The active controller's soft state of broker liveness (Kafka's BrokerHeartbeatManager): when each registered
/// broker's session started, from its last heartbeat or from the controller's activation. A session counts only
/// time the controller could listen: after the controller stood still, every session is credited the time it lost,
/// so no broker is fenced for heartbeats still queued, and a silent broker still runs out of session after one
/// session timeout of the controller running. Restarting every session at each stall instead kept a SIGKILLed
/// broker's session alive for as long as the stalls came faster than the timeout, and its next incarnation refused
/// DUPLICATE_BROKER_REGISTRATION meanwhile (a loaded machine after the quorum was lost and regained).
/// Pure: time comes from the injected <see cref="TimeProvider"/>. Not thread-safe.
/// </summary>
internal sealed class BrokerSessions(TimeProvider time, TimeSpan timeout)
{
    private readonly Dictionary<int, long> _startedAt = [];

    /// <summary>The broker was heard from: its session starts now.</summary>
    public void Touch(int brokerId) => _startedAt[brokerId] = time.GetTimestamp();

    /// <summary>A newly active controller: every broker in <paramref name="brokerIds"/> gets a session from now.</summary>
    public void Start(IEnumerable<int> brokerIds)
    {
        _startedAt.Clear();
        var now = time.GetTimestamp();
        foreach (var id in brokerIds) _startedAt[id] = now;
    }

    /// <summary>
    /// The controller stood still for <paramref name="stoodStill"/>: that time does not count against any session
    /// (each starts that much later, never later than now).
    /// </summary>
    public void Credit(TimeSpan stoodStill)
    {
        var now = time.GetTimestamp();
        var credit = (long)(stoodStill.TotalSeconds * time.TimestampFrequency);
        foreach (var id in _startedAt.Keys.ToList()) _startedAt[id] = Math.Min(now, _startedAt[id] + credit);
    }

    /// <summary>True when the broker has no session or its session ran out.</summary>
    public bool Expired(int brokerId) =>
        !_startedAt.TryGetValue(brokerId, out var started) || time.GetElapsedTime(started) >= timeout;

    /// <summary>The broker is unregistered: it has no session any more.</summary>
    public void Remove(int brokerId) => _startedAt.Remove(brokerId);

    /// <summary>The controller stopped being active: soft state is dropped.</summary>
    public void Clear() => _startedAt.Clear();
}
