using Fjord.Operator.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Operator.Tests.Hosting;

public class WorkQueueTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static WorkQueue Queue(FakeTimeProvider time) => new(time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));

    [Fact]
    public async Task Add_SameKeyTwice_IsQueuedOnce()
    {
        using var queue = Queue(new FakeTimeProvider());

        queue.Add("ns/a");
        queue.Add("ns/a");
        queue.Add("ns/b");

        Assert.Equal(2, queue.Depth);
        Assert.Equal("ns/a", await queue.TakeAsync(CancellationToken.None).WaitAsync(s_wait));
        Assert.Equal("ns/b", await queue.TakeAsync(CancellationToken.None).WaitAsync(s_wait));
    }

    [Fact]
    public async Task Add_WhileProcessing_IsHeldUntilDoneThenQueuedAgain()
    {
        using var queue = Queue(new FakeTimeProvider());
        queue.Add("ns/a");
        var key = await queue.TakeAsync(CancellationToken.None).WaitAsync(s_wait);

        queue.Add("ns/a");
        Assert.Equal(0, queue.Depth);
        queue.Done(key);

        Assert.Equal(1, queue.Depth);
        Assert.Equal("ns/a", await queue.TakeAsync(CancellationToken.None).WaitAsync(s_wait));
    }

    [Fact]
    public void Retry_BacksOffExponentiallyUpToTheMaxAndForgetResets()
    {
        using var queue = Queue(new FakeTimeProvider());

        var delays = Enumerable.Range(0, 6).Select(_ => queue.Retry("ns/a").TotalSeconds).ToList();
        queue.Forget("ns/a");

        Assert.Equal([1, 2, 4, 8, 8, 8], delays);
        Assert.Equal(1, queue.Retry("ns/a").TotalSeconds);
    }

    [Fact]
    public void AddAfter_QueuesOnlyWhenTheDelayHasPassed()
    {
        var time = new FakeTimeProvider();
        using var queue = Queue(time);

        queue.AddAfter("ns/a", TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4));
        var before = queue.Depth;
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal((0, 1), (before, queue.Depth));
    }
}
