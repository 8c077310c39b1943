namespace Fjord.Operator.Reconciling;

/// <summary>What one broker holds, as a ProposeBalance answer's "before" reports it.</summary>
public sealed record BrokerLoad(int BrokerId, int Replicas, long Bytes);
