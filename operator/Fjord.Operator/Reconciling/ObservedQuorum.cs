namespace Fjord.Operator.Reconciling;

/// <summary>
/// The metadata quorum as its leader reports it (admin DescribeQuorum): the voters the Raft log holds now, and the
/// observers (brokers following the log without a vote) with how far behind the commit index each one is.
/// </summary>
public sealed record ObservedQuorum(IReadOnlyList<int> Voters, IReadOnlyDictionary<int, long> ObserverLag);
