using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// The 2-minute version of <c>make chaos</c>: runs the fault harness (tools/Fjord.Chaos, built with the solution)
/// against 3 real broker processes for 120 s of kill -9, SIGSTOP and network partitions (the first fault is one:
/// <c>--require-partition</c>), and asserts its verdict: something was acknowledged, faults including a partition were
/// injected, and nothing was lost, duplicated or diverged. Without network namespaces (not root, no <c>ip netns</c>) it
/// is reported skipped: a run without partitions would pass without testing what it names. Tagged <c>Category=Chaos</c> so a run can leave it out with
/// <c>dotnet test --filter "Category!=Chaos"</c> while replication is incomplete.
/// </summary>
[Trait("Category", "Chaos")]
public sealed partial class ChaosShortRunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_harnessLimit = TimeSpan.FromMinutes(20);

    [NetworkNamespacesFact]
    public void ChaosHarness_120SecondsOfSingleFaults_LosesDuplicatesAndDivergesNothing()
    {
        var (exitCode, lines) = RunHarness("--duration", "120", "--nodes", "3", "--producers", "3", "--rate", "40", "--require-partition");
        var finalLine = lines.LastOrDefault(l => l.StartsWith("acked=", StringComparison.Ordinal));
        Assert.True(finalLine is not null, $"the harness printed no verdict (exit code {exitCode}):\n{string.Join('\n', lines.TakeLast(60))}");

        var counts = FinalLine().Match(finalLine);
        Assert.True(counts.Success, $"unexpected final line: {finalLine}");
        int Count(string name) => int.Parse(counts.Groups[name].Value, CultureInfo.InvariantCulture);
        var failure = $"{finalLine}\n{string.Join('\n', lines.TakeLast(60))}";
        Assert.True(Count("acked") > 0, $"nothing was acknowledged: {failure}");
        Assert.True(Count("faults") > 0, $"no fault was injected: {failure}");
        Assert.True(Count("partition") > 0, $"no network partition was injected: {failure}");
        Assert.True(Count("lost") == 0, $"acknowledged records lost: {failure}");
        Assert.True(Count("duplicated") == 0, $"records duplicated: {failure}");
        Assert.True(Count("divergent") == 0, $"replicas diverged: {failure}");
        Assert.True(exitCode == 0, $"the harness failed another check (moved, reordered or vanished records, a stalled client, a fatal client error, no quiesce, or a fault due on an unhealed cluster): {failure}");
    }

    /// <summary>
    /// The transactional workload (issue #22) for 60 s of single faults, the first a network partition: transactional
    /// producers over several partitions, read_committed consumers, and the harness's transaction checker.
    /// </summary>
    [NetworkNamespacesFact]
    public void ChaosHarness_60SecondsOfTransactionsUnderSingleFaults_NoAnomaly()
    {
        var (exitCode, lines) = RunHarness("--workload", "transactions", "--duration", "60", "--nodes", "3", "--producers", "3", "--rate", "30", "--require-partition");
        var finalLine = lines.LastOrDefault(l => l.StartsWith("committed=", StringComparison.Ordinal));
        Assert.True(finalLine is not null, $"the harness printed no verdict (exit code {exitCode}):\n{string.Join('\n', lines.TakeLast(60))}");

        var counts = TransactionFinalLine().Match(finalLine);
        Assert.True(counts.Success, $"unexpected final line: {finalLine}");
        int Count(string name) => int.Parse(counts.Groups[name].Value, CultureInfo.InvariantCulture);
        var failure = $"{finalLine}\n{string.Join('\n', lines.TakeLast(60))}";
        Assert.True(Count("committed") > 0, $"no transaction committed: {failure}");
        Assert.True(Count("aborted") > 0, $"no transaction aborted: {failure}");
        Assert.True(Count("partition") > 0, $"no network partition was injected: {failure}");
        var anomalies = CountValue().Matches(counts.Groups["anomalyList"].Value).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(anomalies == 0, $"the transaction checker found anomalies: {failure}");
        Assert.True(Count("hanging") == 0, $"a transaction stayed open after the producers stopped: {failure}");
        Assert.True(Count("divergent") == 0, $"replicas diverged: {failure}");
        Assert.True(exitCode == 0, $"the harness failed another check (a stalled client, no quiesce, or a fault due on an unhealed cluster): {failure}");
    }

    // Anomalies: every count between records= and hanging= (aborted_read, intermediate, lost, unknown_partial, duplicated, reordered, skipped, vanished, foreign, zombie_commit).
    [GeneratedRegex(@"^committed=(?<committed>\d+) aborted=(?<aborted>\d+) unknown=\d+ fenced=\d+ records=\d+ (?<anomalyList>(?:[a-z_]+=\d+ )+)hanging=(?<hanging>\d+) divergent=(?<divergent>\d+) faults=\d+ \(kill=\d+ pause=\d+ partition=(?<partition>\d+) coordinator=\d+\)$")]
    private static partial Regex TransactionFinalLine();

    [GeneratedRegex(@"=(\d+)")]
    private static partial Regex CountValue();

    [GeneratedRegex(@"^acked=(?<acked>\d+) consumed=(?<consumed>\d+) lost=(?<lost>\d+) duplicated=(?<duplicated>\d+) divergent=(?<divergent>\d+) faults=(?<faults>\d+) \(kill=\d+ pause=\d+ partition=(?<partition>\d+)\)$")]
    private static partial Regex FinalLine();

    private (int ExitCode, List<string> Lines) RunHarness(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ChaosDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var lines = new List<string>();
        void Append(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            output.WriteLine(line);
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(s_harnessLimit))
        {
            // SIGINT lets the harness stop its brokers and remove its network namespaces before it goes.
            using (var interrupt = Process.Start("kill", $"-INT {process.Id}")) interrupt.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90))) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"the harness did not finish within {s_harnessLimit}:\n{string.Join('\n', lines.TakeLast(60))}");
        }
        process.WaitForExit();
        lock (lines) return (process.ExitCode, [.. lines]);
    }

    /// <summary>tools/Fjord.Chaos/bin/CONFIG/net10.0/fjord-chaos.dll, built by the solution build like the broker.</summary>
    private static string ChaosDll
    {
        get
        {
            // tests/Fjord.Integration.Tests/bin/<Configuration>/net10.0/ -> the repository root
            var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testDir)!);
            var root = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", ".."));
            var dll = Path.Combine(root, "tools", "Fjord.Chaos", "bin", configuration, "net10.0", "fjord-chaos.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the chaos harness first (make build, or dotnet build tools/Fjord.Chaos): {dll} is missing");
        }
    }
}
