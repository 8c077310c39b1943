using Fjord.Protocol;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// What a <see cref="TransactionCoordinator"/> command produced: records for <c>__transaction_state</c>
/// (append, then feed back through <see cref="TransactionCoordinator.Replay"/>), marker writes to start
/// once those records are committed, and the command's answer, which the shell may send only once the
/// records are committed (a failed append turns it into a coordinator error). Immutable once returned.
/// </summary>
public class TransactionCoordinatorOutput
{
    private static readonly IReadOnlyList<TransactionLogRecord> s_noRecords = [];
    private static readonly IReadOnlyList<TransactionMarkerRequest> s_noMarkers = [];

    public TransactionCoordinatorOutput(IReadOnlyList<TransactionLogRecord>? records, IReadOnlyList<TransactionMarkerRequest>? markers)
    {
        Records = records is { Count: > 0 } ? records : s_noRecords;
        Markers = markers is { Count: > 0 } ? markers : s_noMarkers;
    }

    public static TransactionCoordinatorOutput None { get; } = new(null, null);

    public IReadOnlyList<TransactionLogRecord> Records { get; }

    public IReadOnlyList<TransactionMarkerRequest> Markers { get; }
}

/// <summary>A <see cref="TransactionCoordinatorOutput"/> plus the command's response.</summary>
public sealed class TransactionCoordinatorResult<TResponse>(TResponse response, IReadOnlyList<TransactionLogRecord>? records = null, IReadOnlyList<TransactionMarkerRequest>? markers = null)
    : TransactionCoordinatorOutput(records, markers)
    where TResponse : class, IResponseMessage
{
    public TResponse Response { get; } = response;
}
