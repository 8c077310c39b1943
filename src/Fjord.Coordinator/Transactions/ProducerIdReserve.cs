using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// The shell's <see cref="IProducerIdGenerator"/>: a few producer ids fetched ahead from the broker's
/// asynchronous source (blocks from the controller, KIP-730), so the event loop takes one without waiting.
/// The shell calls <see cref="EnsureAvailableAsync"/> before a command that may need an id; when the reserve
/// is empty anyway the core answers COORDINATOR_LOAD_IN_PROGRESS (retriable, as Kafka when no block is at hand).
/// Thread-safe: one lock around the queue; fetches run outside it, at most one at a time.
/// </summary>
public sealed class ProducerIdReserve(Func<CancellationToken, ValueTask<(ErrorCode Error, long ProducerId)>> fetch, int target = 4) : IProducerIdGenerator
{
    private readonly object _lock = new();
    private readonly Queue<long> _ids = new();
    private Task<ErrorCode>? _refill;

    /// <summary>Ids at hand.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }

    public ErrorCode TryGenerate(out long producerId)
    {
        lock (_lock)
        {
            if (_ids.TryDequeue(out producerId))
            {
                if (_ids.Count < target)
                {
                    StartRefill();
                }

                return ErrorCode.None;
            }

            producerId = -1;
            StartRefill();
            return ErrorCode.CoordinatorLoadInProgress;
        }
    }

    /// <summary>Waits until an id is at hand; returns the source's error if it could not provide one.</summary>
    public async ValueTask<ErrorCode> EnsureAvailableAsync(CancellationToken cancellationToken)
    {
        Task<ErrorCode> refill;
        lock (_lock)
        {
            if (_ids.Count > 0)
            {
                return ErrorCode.None;
            }

            refill = StartRefill();
        }

        return await refill.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts filling the reserve up to the target unless a fill is running. Call under the lock.</summary>
    private Task<ErrorCode> StartRefill()
    {
        if (_refill is null || _refill.IsCompleted)
        {
            _refill = Task.Run(RefillAsync);
        }

        return _refill;
    }

    private async Task<ErrorCode> RefillAsync()
    {
        while (Count < target)
        {
            ErrorCode error;
            long producerId;
            try
            {
                (error, producerId) = await fetch(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The source logs its own failures; the client gets a retriable answer and asks again.
                return ErrorCode.CoordinatorLoadInProgress;
            }

            if (error != ErrorCode.None)
            {
                return error;
            }

            lock (_lock)
            {
                _ids.Enqueue(producerId);
            }
        }

        return ErrorCode.None;
    }
}
