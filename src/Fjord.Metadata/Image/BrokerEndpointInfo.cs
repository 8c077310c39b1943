namespace Fjord.Metadata;

/// <summary>One advertised listener of a broker (Kafka's BrokerEndpoint). Immutable value; safe on any thread.</summary>
public readonly record struct BrokerEndpointInfo(string Name, string Host, int Port, int SecurityProtocol = 0);
