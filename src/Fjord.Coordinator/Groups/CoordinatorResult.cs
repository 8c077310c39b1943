using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// What a <see cref="GroupCoordinator"/> command produced: records to append to
/// <c>__consumer_offsets</c> (then feed back through <see cref="GroupCoordinator.Replay"/>), responses
/// to requests parked earlier (JoinGroup/SyncGroup, keyed by the shell's token), and the answer to the
/// command itself, or null when that answer is deferred until a rebalance step completes.
/// The shell must append the records before it sends any response of the result: a client may act
/// on a response only once what it acknowledges is durable. Immutable once returned.
/// </summary>
public class CoordinatorOutput
{
    private static readonly IReadOnlyList<CoordinatorRecord> s_noRecords = [];
    private static readonly IReadOnlyList<DeferredResponse> s_noCompletions = [];

    public CoordinatorOutput(IReadOnlyList<CoordinatorRecord>? records, IReadOnlyList<DeferredResponse>? completions)
    {
        Records = records is { Count: > 0 } ? records : s_noRecords;
        Completions = completions is { Count: > 0 } ? completions : s_noCompletions;
    }

    public static CoordinatorOutput None { get; } = new(null, null);

    public IReadOnlyList<CoordinatorRecord> Records { get; }

    public IReadOnlyList<DeferredResponse> Completions { get; }

    /// <summary>
    /// Set for a TxnOffsetCommit: the records go to the log as one transactional batch of this producer, and are
    /// replayed as its pending offsets (<see cref="GroupCoordinator.Replay(CoordinatorRecord, long)"/>).
    /// </summary>
    public TransactionalProducer? Transaction { get; init; }
}

/// <summary>A <see cref="CoordinatorOutput"/> plus the command's own response (null: deferred, see <see cref="CoordinatorOutput.Completions"/>).</summary>
public sealed class CoordinatorResult<TResponse>(TResponse? response, IReadOnlyList<CoordinatorRecord>? records = null, IReadOnlyList<DeferredResponse>? completions = null)
    : CoordinatorOutput(records, completions)
    where TResponse : class, IResponseMessage
{
    public TResponse? Response { get; } = response;
}

/// <summary>The answer to a request the shell parked under <paramref name="Token"/>.</summary>
public readonly record struct DeferredResponse(long Token, IResponseMessage Response);
