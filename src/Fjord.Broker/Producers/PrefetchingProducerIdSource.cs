using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Producers;

/// <summary>
/// Producer ids (KIP-730, like Kafka's RPCProducerIdManager): ids come from blocks the
/// active controller allocates and commits to the metadata log, so every broker issues ids no other broker
/// ever issues, before or after a failover. Once 90% of the current block is used the next block is
/// fetched in the background, so InitProducerId normally never waits for the controller; when both blocks
/// are used up, a caller waits up to <see cref="MaxWait"/> for the fetch and otherwise answers
/// COORDINATOR_LOAD_IN_PROGRESS (retriable). At most one fetch is in flight. Thread-safe: one lock around
/// the block state; the fetch runs outside it.
/// </summary>
public sealed partial class PrefetchingProducerIdSource(IProducerIdBlockAllocator allocator, ILogger<PrefetchingProducerIdSource> logger) : IProducerIdSource
{
    /// <summary>Fraction of a block used before the next one is fetched.</summary>
    public const double PrefetchThreshold = 0.9;

    /// <summary>How long InitProducerId waits for a block before answering COORDINATOR_LOAD_IN_PROGRESS.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    private readonly object _lock = new();
    private long _next;
    private long _end;
    private long _prefetchAt;
    private ProducerIdBlock? _nextBlock;
    private Task? _fetch;

    public async ValueTask<ProducerIdGrant> NextProducerIdAsync(CancellationToken cancel)
    {
        Task fetch;
        lock (_lock)
        {
            if (TryTake(out var id)) return ProducerIdGrant.Of(id);
            fetch = StartFetch();
        }
        try
        {
            await fetch.WaitAsync(MaxWait, cancel).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return ProducerIdGrant.Failed(ErrorCode.CoordinatorLoadInProgress);
        }
        lock (_lock)
        {
            return TryTake(out var id) ? ProducerIdGrant.Of(id) : ProducerIdGrant.Failed(ErrorCode.CoordinatorLoadInProgress);
        }
    }

    /// <summary>Takes an id from the current block, moving to the prefetched one when it is used up. Call under the lock.</summary>
    private bool TryTake(out long id)
    {
        if (_next >= _end && _nextBlock is { } block)
        {
            _next = block.FirstProducerId;
            _end = block.FirstProducerId + block.Size;
            _prefetchAt = block.FirstProducerId + (long)(block.Size * PrefetchThreshold);
            _nextBlock = null;
        }
        if (_next >= _end)
        {
            id = -1;
            return false;
        }
        id = _next++;
        if (_next >= _prefetchAt && _nextBlock is null) StartFetch();
        return true;
    }

    /// <summary>Starts a fetch unless one is in flight; returns it. Call under the lock.</summary>
    private Task StartFetch()
    {
        if (_fetch is null || _fetch.IsCompleted) _fetch = Task.Run(FetchAsync);
        return _fetch;
    }

    private async Task FetchAsync()
    {
        ProducerIdBlock block;
        try
        {
            block = await allocator.AllocateAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ProducerIdLog.FetchFailed(logger, e.GetType().Name, e.Message);
            return;
        }
        if (block.Error != ErrorCode.None || block.Size <= 0)
        {
            ProducerIdLog.Refused(logger, block.Error.ToString());
            return;
        }
        ProducerIdLog.Allocated(logger, block.FirstProducerId, block.Size);
        lock (_lock) _nextBlock = block;
    }

    private static partial class ProducerIdLog
    {
        [LoggerMessage(EventId = 6060, Level = LogLevel.Information, Message = "Producer id block [{First}, +{Size}) allocated by the controller")]
        public static partial void Allocated(ILogger logger, long first, int size);

        [LoggerMessage(EventId = 6061, Level = LogLevel.Warning, Message = "The controller refused a producer id block: {Error}")]
        public static partial void Refused(ILogger logger, string error);

        [LoggerMessage(EventId = 6062, Level = LogLevel.Warning, Message = "Fetching a producer id block failed ({Type}): {Message}")]
        public static partial void FetchFailed(ILogger logger, string type, string message);
    }
}
