using System.Diagnostics;
using Fjord.KubeLocal.Node.Kubelet;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

/// <summary>Real host processes through <see cref="ContainerProcess"/>: logs, signals, grace periods, process groups.</summary>
public sealed class ContainerProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-node-proc-").FullName;
    private readonly List<ContainerProcess> _started = [];

    public void Dispose()
    {
        foreach (var process in _started)
        {
            process.Signal(ContainerProcess.SigKill);
            process.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private ContainerProcess Start(string script, Dictionary<string, string>? env = null)
    {
        var process = ContainerProcess.Start(new ContainerCommand("sh", ["-c", script], null), env ?? [], _dir, Path.Combine(_dir, "c.log"), hostsFile: null, networkNamespace: null, TimeProvider.System.GetUtcNow());
        _started.Add(process);
        return process;
    }

    private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task ShellContainer_WritesStdoutAndStderrToItsLogWithItsEnvironment()
    {
        var process = Start("echo out $GREETING; echo err >&2; pwd; exit 3", new() { ["GREETING"] = "hello" });

        Assert.Equal(3, await process.Exited.WaitAsync(TimeSpan.FromSeconds(20)));
        var log = await File.ReadAllLinesAsync(Path.Combine(_dir, "c.log"));
        Assert.Equal(["out hello", "err", _dir], log);
    }

    [Fact]
    public async Task Log_IsAppendedAcrossInstances()
    {
        await Start("echo first").Exited.WaitAsync(TimeSpan.FromSeconds(20));
        await Start("echo second").Exited.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["first", "second"], await File.ReadAllLinesAsync(Path.Combine(_dir, "c.log")));
    }

    [Fact]
    public async Task Stop_WithATermTrap_ExitsCleanlyWithinTheGracePeriod()
    {
        var process = Start("trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done");
        await Poll.UntilAsync(() => File.Exists(Path.Combine(_dir, "c.log")) && File.ReadAllText(Path.Combine(_dir, "c.log")).Contains("ready", StringComparison.Ordinal), "the trap to be installed");

        var watch = Stopwatch.StartNew();
        var exitCode = await process.StopAsync(TimeSpan.FromSeconds(30), TimeProvider.System);

        Console.WriteLine($"SIGTERM with trap: exited after {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, exitCode);
        Assert.Contains("got TERM", await File.ReadAllTextAsync(Path.Combine(_dir, "c.log")));
    }

    [Fact]
    public async Task Stop_WhenTermIsIgnored_KillsAfterTheGracePeriod()
    {
        var process = Start("trap '' TERM; echo ready; while true; do sleep 0.1; done");
        await Poll.UntilAsync(() => File.Exists(Path.Combine(_dir, "c.log")) && File.ReadAllText(Path.Combine(_dir, "c.log")).Contains("ready", StringComparison.Ordinal), "the trap to be installed");

        var watch = Stopwatch.StartNew();
        var exitCode = await process.StopAsync(TimeSpan.FromMilliseconds(500), TimeProvider.System);

        Console.WriteLine($"SIGTERM ignored: SIGKILLed, exited after {watch.Elapsed.TotalMilliseconds:F0} ms (grace 500 ms)");
        Assert.Equal(128 + ContainerProcess.SigKill, exitCode);
    }

    [Fact]
    public async Task Exit_TakesTheContainersOtherProcessesWithIt()
    {
        var pidFile = Path.Combine(_dir, "child.pid");
        var process = Start($"sleep 600 & echo $! > {pidFile}; sleep 0.2; exit 0");

        await process.Exited.WaitAsync(TimeSpan.FromSeconds(20));
        var child = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Poll.UntilAsync(() => !Alive(child), $"background child {child} to be killed");
    }

    [Fact]
    public async Task ExecProbe_SucceedsOnExitZeroAndFailsOnTimeout()
    {
        var ok = await ContainerProcess.RunToCompletionAsync(new ContainerCommand("sh", ["-c", "test -d $DIR"], null), new Dictionary<string, string> { ["DIR"] = _dir }, _dir, hostsFile: null, networkNamespace: null, TimeSpan.FromSeconds(10), TimeProvider.System);
        var failed = await ContainerProcess.RunToCompletionAsync(new ContainerCommand("sh", ["-c", "exit 1"], null), new Dictionary<string, string>(), _dir, hostsFile: null, networkNamespace: null, TimeSpan.FromSeconds(10), TimeProvider.System);
        var slow = await ContainerProcess.RunToCompletionAsync(new ContainerCommand("sleep", ["30"], null), new Dictionary<string, string>(), _dir, hostsFile: null, networkNamespace: null, TimeSpan.FromMilliseconds(300), TimeProvider.System);
        var missing = await ContainerProcess.RunToCompletionAsync(new ContainerCommand("/no/such/program", [], null), new Dictionary<string, string>(), _dir, hostsFile: null, networkNamespace: null, TimeSpan.FromSeconds(10), TimeProvider.System);

        Assert.Equal((true, false, false, false), (ok, failed, slow, missing));
    }

    [Dns.PodDnsFact]
    public async Task WithAHostsFile_TheContainerResolvesItsNames_AndTheHostsOwnFileIsUntouched()
    {
        var hosts = Path.Combine(_dir, "ns.hosts");
        await File.WriteAllTextAsync(hosts, "127.244.9.9\tc-0.brokers.kafka.svc.cluster.local c-0.brokers\n");
        var hostBefore = await File.ReadAllTextAsync("/etc/hosts");

        var process = ContainerProcess.Start(new ContainerCommand("sh", ["-c", "getent hosts c-0.brokers; echo pid=$$"], null), new Dictionary<string, string>(), _dir, Path.Combine(_dir, "c.log"), hosts, networkNamespace: null, TimeProvider.System.GetUtcNow());
        _started.Add(process);

        Assert.Equal(0, await process.Exited.WaitAsync(TimeSpan.FromSeconds(20)));
        var log = await File.ReadAllLinesAsync(Path.Combine(_dir, "c.log"));
        Assert.Matches(@"^127\.244\.9\.9\s+c-0\.brokers\.kafka\.svc\.cluster\.local", log[0]);
        Assert.Equal($"pid={process.Pid}", log[1]);
        Assert.Equal(hostBefore, await File.ReadAllTextAsync("/etc/hosts"));
    }
}
