namespace Fjord.Cli.Transactions;

/// <summary>What a transaction coordinator says about one transactional id (DescribeTransactions), for find-hanging.</summary>
public sealed record TransactionView(string State, long ProducerId, int ProducerEpoch, IReadOnlySet<(string Topic, int Partition)> Partitions);
