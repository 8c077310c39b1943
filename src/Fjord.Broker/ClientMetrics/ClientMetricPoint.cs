namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// One number a client pushed: the OTLP metric name, the data point's attributes (sorted by key) and its value;
/// <paramref name="IsDelta"/> for a sum with delta temporality (the value is the change since the last push).
/// Immutable; safe on any thread.
/// </summary>
public sealed record ClientMetricPoint(string Name, IReadOnlyList<KeyValuePair<string, string>> Attributes, double Value, bool IsDelta);
