namespace Fjord.Broker.Hosting;

/// <summary>
/// One more thing /readyz waits for besides bound listeners (registered, unfenced, caught up with the
/// metadata log; a pending data-directory migration). Implementations are read from request threads and must be thread-safe and cheap.
/// </summary>
public interface IReadinessCondition
{
    /// <summary>Why the broker should not receive traffic yet; null when this condition is met.</summary>
    string? NotReadyReason { get; }
}
