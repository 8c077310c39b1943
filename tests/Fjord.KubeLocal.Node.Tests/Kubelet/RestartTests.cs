using Fjord.KubeLocal.Node.Kubelet;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class RestartTests
{
    [Fact]
    public void Backoff_FirstRestartIsImmediateThenDoublesFromTenSecondsToFiveMinutes()
    {
        var backoff = RestartBackoff.Kubelet();
        var delays = Enumerable.Range(0, 8).Select(_ => backoff.OnExit(TimeSpan.FromSeconds(1)).TotalSeconds).ToList();

        Assert.Equal([0, 10, 20, 40, 80, 160, 300, 300], delays);
    }

    [Fact]
    public void Backoff_ResetsAfterTenMinutesOfRunning()
    {
        var backoff = RestartBackoff.Kubelet();
        backoff.OnExit(TimeSpan.FromSeconds(1));
        backoff.OnExit(TimeSpan.FromSeconds(1));
        backoff.OnExit(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.Zero, backoff.OnExit(TimeSpan.FromMinutes(10)));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.OnExit(TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData("Always", 0, true)]
    [InlineData("Always", 1, true)]
    [InlineData(null, 0, true)]
    [InlineData("OnFailure", 0, false)]
    [InlineData("OnFailure", 137, true)]
    [InlineData("Never", 1, false)]
    [InlineData("Never", 0, false)]
    public void RestartPolicy_DecidesOnTheExitCode(string? policy, int exitCode, bool restart) =>
        Assert.Equal(restart, RestartDecision.ShouldRestart(policy, exitCode));
}
