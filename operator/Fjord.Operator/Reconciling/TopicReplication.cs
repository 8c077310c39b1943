namespace Fjord.Operator.Reconciling;

/// <summary>A topic's replication factor, as DescribeTopics reports it (the scale-in guard's input).</summary>
public sealed record TopicReplication(string Topic, int ReplicationFactor);
