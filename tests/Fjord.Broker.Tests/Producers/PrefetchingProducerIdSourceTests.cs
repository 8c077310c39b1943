using Fjord.Broker.Producers;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Broker.Tests.Producers;

public sealed class PrefetchingProducerIdSourceTests
{
    /// <summary>Hands out blocks of <c>size</c> ids from 0 upwards, or fails as told; counts calls.</summary>
    private sealed class FakeAllocator(int size) : IProducerIdBlockAllocator
    {
        private long _next;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ErrorCode Error { get; set; }

        public Exception? Failure { get; set; }

        public TaskCompletionSource? Gate { get; set; }

        public async Task<ProducerIdBlock> AllocateAsync(CancellationToken cancel)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is { } gate) await gate.Task;
            if (Failure is { } failure) throw failure;
            if (Error != ErrorCode.None) return new ProducerIdBlock(Error, -1, 0);
            var first = Interlocked.Add(ref _next, size) - size;
            return new ProducerIdBlock(ErrorCode.None, first, size);
        }
    }

    private static PrefetchingProducerIdSource Source(FakeAllocator allocator) =>
        new(allocator, NullLogger<PrefetchingProducerIdSource>.Instance);

    [Fact]
    public async Task NextProducerId_WithoutABlock_WaitsForTheFirstBlockAndHandsOutItsIdsInOrder()
    {
        var allocator = new FakeAllocator(10);
        var source = Source(allocator);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add((await source.NextProducerIdAsync(CancellationToken.None)).ProducerId);
        Assert.Equal([0, 1, 2, 3, 4], ids);
        Assert.Equal(1, allocator.Calls);
    }

    [Fact]
    public async Task NextProducerId_At90PercentOfTheBlock_PrefetchesTheNextOne_AndMovesOnWithoutGaps()
    {
        var allocator = new FakeAllocator(10);
        var source = Source(allocator);
        var ids = new List<long>();
        for (var i = 0; i < 9; i++) ids.Add((await source.NextProducerIdAsync(CancellationToken.None)).ProducerId);
        // The 9th id (90% of 10) starts the prefetch in the background.
        await WaitUntil(() => allocator.Calls == 2);
        for (var i = 0; i < 11; i++) ids.Add((await source.NextProducerIdAsync(CancellationToken.None)).ProducerId);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), ids);
        Assert.True(allocator.Calls <= 3, $"{allocator.Calls} allocations for 20 ids in blocks of 10");
    }

    [Fact]
    public async Task NextProducerId_WhenTheControllerRefuses_AnswersCoordinatorLoadInProgress_ThenRecovers()
    {
        var allocator = new FakeAllocator(10) { Error = ErrorCode.NotController };
        var source = Source(allocator);
        var refused = await source.NextProducerIdAsync(CancellationToken.None);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, refused.Error);
        Assert.Equal(-1, refused.ProducerId);

        allocator.Error = ErrorCode.None;
        var granted = await source.NextProducerIdAsync(CancellationToken.None);
        Assert.Equal(ProducerIdGrant.Of(0), granted);
    }

    [Fact]
    public async Task NextProducerId_WhenTheTransportFails_AnswersCoordinatorLoadInProgress()
    {
        var allocator = new FakeAllocator(10) { Failure = new IOException("connection refused") };
        var result = await Source(allocator).NextProducerIdAsync(CancellationToken.None);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, result.Error);
    }

    [Fact]
    public async Task NextProducerId_ConcurrentCallers_ShareOneFetch_AndGetDistinctIds()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allocator = new FakeAllocator(1000) { Gate = gate };
        var source = Source(allocator);
        var callers = Enumerable.Range(0, 50).Select(_ => source.NextProducerIdAsync(CancellationToken.None).AsTask()).ToList();
        await WaitUntil(() => allocator.Calls >= 1);
        gate.SetResult();
        var grants = await Task.WhenAll(callers);
        Assert.All(grants, g => Assert.Equal(ErrorCode.None, g.Error));
        Assert.Equal(50, grants.Select(g => g.ProducerId).Distinct().Count());
        Assert.Equal(1, allocator.Calls);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(5);
        }
    }
}
