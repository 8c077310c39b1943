using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class ProducerIdReserveTests
{
    [Fact]
    public async Task EnsureAvailable_FillsTheReserve_ThenIdsComeInTheSourcesOrder()
    {
        var next = 100L;
        var reserve = new ProducerIdReserve(_ => ValueTask.FromResult((ErrorCode.None, Interlocked.Increment(ref next))), target: 3);

        Assert.Equal(ErrorCode.None, await reserve.EnsureAvailableAsync(CancellationToken.None));
        Assert.Equal(ErrorCode.None, reserve.TryGenerate(out var first));
        Assert.Equal(ErrorCode.None, reserve.TryGenerate(out var second));

        Assert.Equal(101, first);
        Assert.Equal(102, second);
    }

    [Fact]
    public async Task EmptyReserve_AnswersLoadInProgress_AndTheSourcesErrorIsReported()
    {
        var reserve = new ProducerIdReserve(_ => ValueTask.FromResult((ErrorCode.ClusterAuthorizationFailed, -1L)));

        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, reserve.TryGenerate(out var producerId));
        Assert.Equal(-1, producerId);
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, await reserve.EnsureAvailableAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ThrowingSource_IsARetriableAnswer()
    {
        var reserve = new ProducerIdReserve(_ => throw new InvalidOperationException("controller unreachable"));
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, await reserve.EnsureAvailableAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CoordinatorEventLoop_RunsActionsInOrder_AndReportsAFailingOne()
    {
        var failures = new List<Exception>();
        var loop = new CoordinatorEventLoop("test loop", failures.Add);
        loop.Start();
        var order = new List<int>();
        Exception? reported = null;

        loop.Enqueue(() => order.Add(1));
        loop.Enqueue(() => throw new InvalidOperationException("boom"), ex => reported = ex);
        loop.Enqueue(() => order.Add(2));
        var seen = await loop.Query(() => order.ToList());
        await loop.StopAsync(CancellationToken.None);

        Assert.Equal([1, 2], seen);
        Assert.IsType<InvalidOperationException>(reported);
        Assert.Single(failures);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.Query(() => 0));
    }
}
