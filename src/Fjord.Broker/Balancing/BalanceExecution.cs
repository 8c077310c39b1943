using Fjord.Metadata;
using Fjord.Metadata.Balancing;
using Fjord.Rpc.Admin;

namespace Fjord.Broker.Balancing;

/// <summary>
/// One ExecuteBalance run: the plan it started, the partitions whose reassignment was refused, the throttle, and
/// when it started and finished. Progress is read off the metadata image (a move is done once its partition is no
/// longer reassigning). Thread-safe: the mutable fields are written by <see cref="BalanceExecutor"/>'s monitor only
/// and read with volatile semantics.
/// </summary>
public sealed class BalanceExecution(string id, BalancePlan plan, IReadOnlySet<(string Topic, int Partition)> refused, long throttle, DateTimeOffset started)
{
    private volatile string? _message;
    private long _finishedUnixMs;

    public string Id => id;

    public BalancePlan Plan => plan;

    public long Throttle => throttle;

    public DateTimeOffset Started => started;

    /// <summary>Set once: finished (completed or failed) at this time.</summary>
    public DateTimeOffset? Finished
    {
        get { var ms = Interlocked.Read(ref _finishedUnixMs); return ms == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms); }
    }

    /// <summary>Why the run failed, or null.</summary>
    public string? Failure => _message;

    public void Finish(DateTimeOffset at, string? failure)
    {
        _message = failure ?? (refused.Count > 0 ? $"{refused.Count} reassignment(s) were refused: {string.Join(", ", refused.Take(5).Select(r => $"{r.Topic}-{r.Partition}"))}" : null);
        Interlocked.Exchange(ref _finishedUnixMs, Math.Max(1, at.ToUnixTimeMilliseconds()));
    }

    /// <summary>Moves that were started and whose partition is no longer reassigning (or no longer exists).</summary>
    public IEnumerable<PartitionMove> Completed(MetadataImage image) =>
        plan.Moves.Where(m => !refused.Contains((m.Topic, m.Partition)) && IsDone(image, m));

    /// <summary>True when every started move has finished.</summary>
    public bool AllDone(MetadataImage image) => plan.Moves.All(m => refused.Contains((m.Topic, m.Partition)) || IsDone(image, m));

    private static bool IsDone(MetadataImage image, PartitionMove move) =>
        image.GetTopic(move.Topic) is not { } topic || !topic.Partitions.TryGetValue(move.Partition, out var p) || !p.IsReassigning;

    /// <summary>The progress report of DescribeBalance.</summary>
    public DescribeBalanceResponse Describe(MetadataImage image, int reassigning)
    {
        var completed = Completed(image).ToList();
        var finished = Finished;
        var response = new DescribeBalanceResponse
        {
            Error = new Error(),
            State = finished is null ? BalanceState.Running : _message is null ? BalanceState.Completed : BalanceState.Failed,
            BalanceId = id,
            TotalMoves = plan.Moves.Length,
            CompletedMoves = completed.Count,
            ReassigningPartitions = reassigning,
            BytesToMove = plan.BytesToMove,
            BytesRemaining = plan.BytesToMove - completed.Sum(m => m.BytesMoved),
            ThrottleBytesPerSecond = throttle,
            StartedUnixMs = started.ToUnixTimeMilliseconds(),
            FinishedUnixMs = finished?.ToUnixTimeMilliseconds() ?? 0,
            Message = _message ?? "",
        };
        return response;
    }
}
