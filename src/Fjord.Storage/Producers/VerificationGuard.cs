namespace Fjord.Storage;

/// <summary>
/// Proof that a transactional batch was verified with (or added to the transaction by) its coordinator since the last
/// transaction marker of its producer on this partition (KIP-890 part 1, Kafka's <c>VerificationGuard</c>). The leader
/// takes one from <see cref="PartitionLog.BeginTransactionVerification"/> before it asks the coordinator, and hands it
/// to the append; a marker or a newer epoch that lands in between retires the guard, and the append that would then open
/// a transaction nobody will close is refused with INVALID_TXN_STATE. Compared by identity; immutable, thread-safe.
/// </summary>
public sealed class VerificationGuard
{
    /// <summary>The guard of an append that was not verified: it never matches, so such a batch cannot open a transaction.</summary>
    public static readonly VerificationGuard Unverified = new(-1, -1, transactionVersion: 0, startedMs: long.MaxValue);

    internal VerificationGuard(long producerId, short producerEpoch, short transactionVersion, long startedMs)
    {
        ProducerId = producerId;
        ProducerEpoch = producerEpoch;
        TransactionVersion = transactionVersion;
        StartedMs = startedMs;
    }

    public long ProducerId { get; }

    /// <summary>The producer epoch the verification was started for.</summary>
    public short ProducerEpoch { get; }

    /// <summary>
    /// 2 when the batch comes from a transaction version 2 client (Produce v12): its transaction's end bumps the epoch,
    /// so a marker at exactly <see cref="ProducerEpoch"/> ended the transaction before, not this one.
    /// </summary>
    public short TransactionVersion { get; }

    /// <summary>When the verification started: a guard left this long by an append that never came expires with the producer ids.</summary>
    internal long StartedMs { get; }

    /// <summary>
    /// Whether a marker at <paramref name="markerEpoch"/> may have ended the transaction this guard verified membership in:
    /// any marker at this epoch or later (version 0-1: the client ends at its own epoch); only a later one under version 2,
    /// where the marker at this epoch is the previous transaction's end, written before the coordinator could add the
    /// partition to the next one.
    /// </summary>
    internal bool IsRetiredByMarker(short markerEpoch) => TransactionVersion >= 2 ? markerEpoch > ProducerEpoch : markerEpoch >= ProducerEpoch;
}
