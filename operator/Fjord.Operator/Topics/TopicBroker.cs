namespace Fjord.Operator.Topics;

/// <summary>A registered broker as placement sees it: rack, whether fenced, and how many replicas it holds. Immutable.</summary>
public sealed record TopicBroker(int Id, string? Rack, bool Fenced, int ReplicaCount);
