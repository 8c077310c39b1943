using System.Diagnostics;

namespace Fjord.KubeLocal.Node.Tests;

/// <summary>Polls a condition until it holds, failing with what did not happen after 20 s.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
