using System.Collections.Concurrent;
using Fjord.KubeLocal.Node.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.KubeLocal.Node.Tests.Api;

public class WorkQueueTests
{
    [Fact]
    public async Task KeysAddedWhileQueued_AreProcessedOnce()
    {
        var queue = new WorkQueue("test", TimeProvider.System, NullLogger.Instance);
        var gate = new TaskCompletionSource();
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        queue.Add("blocker");
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        var run = queue.RunAsync(async (key, _) =>
        {
            if (key == "blocker")
            {
                await gate.Task;
            }
            seen.Enqueue(key);
            return null;
        }, stop.Token);
        gate.SetResult();
        await Poll.UntilAsync(() => seen.Count >= 3, "three keys");
        await stop.CancelAsync();
        await run;

        Assert.Equal(["blocker", "a", "b"], seen);
    }

    [Fact]
    public async Task KeyAddedWhileProcessing_IsProcessedAgainAfterwardsNeverConcurrently()
    {
        var queue = new WorkQueue("test", TimeProvider.System, NullLogger.Instance);
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var runs = 0;
        var concurrent = 0;
        var maxConcurrent = 0;
        using var stop = new CancellationTokenSource();
        queue.Add("k");

        var run = queue.RunAsync(async (_, _) =>
        {
            maxConcurrent = Math.Max(maxConcurrent, Interlocked.Increment(ref concurrent));
            if (Interlocked.Increment(ref runs) == 1)
            {
                inside.SetResult();
                await release.Task;
            }
            Interlocked.Decrement(ref concurrent);
            return null;
        }, stop.Token);
        await inside.Task;
        queue.Add("k");
        queue.Add("k");
        release.SetResult();
        await Poll.UntilAsync(() => Volatile.Read(ref runs) == 2, "the second run");
        await stop.CancelAsync();
        await run;

        Assert.Equal((2, 1), (runs, maxConcurrent));
    }

    [Fact]
    public async Task FailingAndRequeuedKeys_RunAgainAfterTheirDelay()
    {
        var queue = new WorkQueue("test", TimeProvider.System, NullLogger.Instance);
        var attempts = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        queue.Add("fails");
        queue.Add("requeues");

        var run = queue.RunAsync((key, _) =>
        {
            var n = attempts.AddOrUpdate(key, 1, (_, v) => v + 1);
            if (key == "fails" && n < 3)
            {
                throw new IOException("transient");
            }
            return Task.FromResult<TimeSpan?>(key == "requeues" && n < 2 ? TimeSpan.FromMilliseconds(50) : null);
        }, stop.Token);
        await Poll.UntilAsync(() => attempts.GetValueOrDefault("fails") == 3 && attempts.GetValueOrDefault("requeues") == 2, "retries");
        await stop.CancelAsync();
        await run;

        Assert.Equal(3, attempts["fails"]);
    }
}
