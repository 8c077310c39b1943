namespace Fjord.Broker.Hosting;

/// <summary>
/// Whether the broker should receive traffic (/readyz): listeners bound and not shutting down.
/// Thread-safe; flags flip once each from host lifetime callbacks.
/// </summary>
public sealed class BrokerReadiness
{
    private volatile bool _listening;
    private volatile bool _stopping;

    public bool IsReady => _listening && !_stopping;

    public void MarkListening() => _listening = true;

    public void MarkStopping() => _stopping = true;
}
