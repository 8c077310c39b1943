namespace Fjord.Broker.Hosting;

/// <summary>
/// Whether the broker should receive traffic (/readyz): listeners bound, not shutting down, and every
/// <see cref="IReadinessCondition"/> met (the broker's registration: registered with the
/// controller, unfenced, caught up with the metadata log, not in controlled shutdown; a pending data-directory migration). Thread-safe; the
/// listening and stopping flags flip once each from host lifetime callbacks.
/// It is also the door of the Kafka listener (<see cref="WhenFirstReadyAsync"/>): as in Kafka, a connection is
/// served only once the broker has been ready, so a client never sees a broker that lists no brokers or no topics.
/// </summary>
public sealed class BrokerReadiness(IEnumerable<IReadinessCondition> conditions, TimeProvider time)
{
    /// <summary>How often a connection that arrived during startup looks again; startup only, so a poll is cheap.</summary>
    private static readonly TimeSpan DoorPollInterval = TimeSpan.FromMilliseconds(20);

    private readonly IReadinessCondition[] _conditions = [.. conditions];
    private volatile bool _listening;
    private volatile bool _stopping;
    private volatile bool _wasReady;

    public bool IsReady => NotReadyReason is null;

    /// <summary>
    /// Completes once the broker has been ready (registered, caught up, unfenced, listening), at once ever after:
    /// a broker later fenced or in controlled shutdown keeps serving the clients it must answer with Kafka errors.
    /// </summary>
    public async ValueTask WhenFirstReadyAsync(CancellationToken cancel)
    {
        while (!_wasReady)
        {
            if (IsReady)
            {
                _wasReady = true;
                return;
            }
            await Task.Delay(DoorPollInterval, time, cancel).ConfigureAwait(false);
        }
    }

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
