namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Facts about <see cref="TransactionState"/> from Kafka's TransactionMetadata: the names clients see in
/// DescribeTransactions/ListTransactions, which transitions are legal, and which states may expire. Pure; thread-safe.
/// </summary>
public static class TransactionStates
{
    /// <summary>Kafka's state name (as DescribeTransactions and ListTransactions report it).</summary>
    public static string Name(TransactionState state) => state switch
    {
        TransactionState.Empty => "Empty",
        TransactionState.Ongoing => "Ongoing",
        TransactionState.PrepareCommit => "PrepareCommit",
        TransactionState.PrepareAbort => "PrepareAbort",
        TransactionState.CompleteCommit => "CompleteCommit",
        TransactionState.CompleteAbort => "CompleteAbort",
        TransactionState.Dead => "Dead",
        TransactionState.PrepareEpochFence => "PrepareEpochFence",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown transaction state"),
    };

    /// <summary>The state named <paramref name="name"/> (case-sensitive, as Kafka), or null.</summary>
    public static TransactionState? FromName(string name)
    {
        for (var state = TransactionState.Empty; state <= TransactionState.PrepareEpochFence; state++)
        {
            if (Name(state) == name)
            {
                return state;
            }
        }

        return null;
    }

    /// <summary>Kafka's validPreviousStates: may a transaction in <paramref name="from"/> move to <paramref name="to"/>?</summary>
    public static bool IsLegalTransition(TransactionState from, TransactionState to) => to switch
    {
        TransactionState.Empty => from is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.Ongoing => from is TransactionState.Ongoing or TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareCommit => from is TransactionState.Ongoing,
        TransactionState.PrepareAbort => from is TransactionState.Ongoing or TransactionState.PrepareEpochFence,
        TransactionState.CompleteCommit => from is TransactionState.PrepareCommit,
        TransactionState.CompleteAbort => from is TransactionState.PrepareAbort,
        TransactionState.Dead => from is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareEpochFence => from is TransactionState.Ongoing,
        _ => false,
    };

    /// <summary>States in which an idle transactional id may expire (no transaction in flight).</summary>
    public static bool IsExpirationAllowed(TransactionState state) =>
        state is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort;

    /// <summary>Prepare states: the decision is durable and markers are (being) written.</summary>
    public static bool IsPrepare(TransactionState state) =>
        state is TransactionState.PrepareCommit or TransactionState.PrepareAbort;
}
