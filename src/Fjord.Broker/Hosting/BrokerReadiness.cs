namespace Fjord.Broker.Hosting;

/// <summary>
/// Whether the broker should receive traffic (/readyz): listeners bound, not shutting down, and every
/// <see cref="IReadinessCondition"/> met (cluster mode adds the broker's registration: registered with the
/// controller, unfenced, caught up with the metadata log, not in controlled shutdown). Thread-safe; the
/// listening and stopping flags flip once each from host lifetime callbacks.
/// </summary>
public sealed class BrokerReadiness(IEnumerable<IReadinessCondition> conditions)
{
    private readonly IReadinessCondition[] _conditions = [.. conditions];
    private volatile bool _listening;
    private volatile bool _stopping;

    public bool IsReady => NotReadyReason is null;

    /// <summary>Why the broker is not ready; null when it is.</summary>
    public string? NotReadyReason
    {
        get
        {
            if (_stopping) return "shutting down";
            if (!_listening) return "listeners not bound yet";
            foreach (var condition in _conditions)
                if (condition.NotReadyReason is { } reason) return reason;
            return null;
        }
    }

    public void MarkListening() => _listening = true;

    public void MarkStopping() => _stopping = true;
}
