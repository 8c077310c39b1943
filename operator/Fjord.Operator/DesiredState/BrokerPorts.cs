namespace Fjord.Operator.DesiredState;

/// <summary>The broker's three listeners (DESIGN.md, "Ports and processes") and their port names in Services and probes.</summary>
public static class BrokerPorts
{
    public const int Kafka = 9092;
    public const int Rpc = 9093;
    public const int Http = 9644;
    public const string KafkaName = "kafka";
    public const string RpcName = "rpc";
    public const string HttpName = "http";
}
