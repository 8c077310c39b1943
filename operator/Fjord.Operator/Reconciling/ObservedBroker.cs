namespace Fjord.Operator.Reconciling;

/// <summary>A broker as admin DescribeCluster reports it.</summary>
public sealed record ObservedBroker(int Id, bool Fenced, bool InControlledShutdown, int LeaderCount, int ReplicaCount);
