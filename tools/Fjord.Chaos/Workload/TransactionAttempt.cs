namespace Fjord.Chaos.Workload;

/// <summary>
/// One transaction of the transactional workload as its producer saw it: slot, transaction number, the producer
/// instance (<see cref="Session"/>: slot and generation), the partition each record index went to, what was asked at the
/// end and how that call ended (<see cref="Detail"/>: the error, if any) and when. Immutable.
/// </summary>
public sealed record TransactionAttempt(int Producer, long Transaction, string Session, IReadOnlyList<int> Partitions,
    TransactionIntent Intent, TransactionCallResult Result, string? Detail, DateTime EndedUtc)
{
    public string TransactionId => TransactionalValue.TransactionIdOf(Producer, Transaction);

    public int Count => Partitions.Count;

    /// <summary>
    /// Its producer was fenced on purpose before the commit call: a successor on the same transactional.id completed
    /// InitTransactions, which aborts the open transaction (KIP-98), so nothing may be visible whatever the call returned.
    /// </summary>
    public bool Fenced { get; init; }

    /// <summary>Acknowledged commit: every record must be visible to read_committed readers.</summary>
    public bool MustBeVisible => Intent == TransactionIntent.Commit && Result == TransactionCallResult.Ok && !Fenced;

    /// <summary>Never committed (aborted by choice, or the commit was refused and the abort went through): no record may be visible.</summary>
    public bool MustBeInvisible => Intent == TransactionIntent.Abort || Result == TransactionCallResult.Failed || Fenced;

    public TransactionOutcome Outcome => MustBeVisible ? TransactionOutcome.Committed : MustBeInvisible ? TransactionOutcome.Aborted : TransactionOutcome.Unknown;

    public override string ToString() =>
        $"{TransactionId} ({Session}, {Count} records in partitions {string.Join(',', Partitions)}) {Intent.ToString().ToLowerInvariant()} {Result.ToString().ToLowerInvariant()}{(Fenced ? " fenced" : "")}{(Detail is null ? "" : $" ({Detail})")} at {EndedUtc:HH:mm:ss.fff}";
}
