namespace Fjord.Broker.Handlers;

/// <summary>Kafka's config resource types as they appear on the wire.</summary>
public enum ConfigResourceType : sbyte
{
    Unknown = 0,
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
    ClientMetrics = 16,
    Group = 32,
}
