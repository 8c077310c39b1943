using System.Diagnostics;
using Fjord.Chaos.Network;

namespace Fjord.Chaos.Cluster;

/// <summary>
/// One real <c>fjord-broker</c> process of the chaos cluster (the idea of the integration tests'
/// ClusterProcess.Node, with a log file instead of an in-memory buffer because runs are long): launched on its
/// own address, inside its network namespace when there is one (<c>ip netns exec</c> execs into dotnet, so the
/// pid is the broker's and signals reach it), killed with SIGKILL, paused with SIGSTOP, stopped with SIGTERM.
/// Not thread-safe: the runner and the nemesis use a node in turn (one fault at a time per node).
/// </summary>
public sealed class BrokerNode(int id, string host, string? networkNamespace, string dataDir, string logFile,
    int kafkaPort, int rpcPort, int httpPort) : IDisposable
{
    private readonly object _logLock = new();
    private Process? _process;
    private StreamWriter? _log;

    public int Id { get; } = id;

    public string Host { get; } = host;

    public string? Namespace { get; } = networkNamespace;

    public string DataDir { get; } = dataDir;

    public string LogFile { get; } = logFile;

    public int KafkaPort { get; } = kafkaPort;

    public int RpcPort { get; } = rpcPort;

    public int HttpPort { get; } = httpPort;

    public string BootstrapServer => $"{Host}:{KafkaPort}";

    public bool IsRunning => _process is { HasExited: false };

    public bool IsPaused { get; private set; }

    public void Launch(string brokerDll, string voters, IReadOnlyList<string> settings)
    {
        _process?.Dispose();
        Directory.CreateDirectory(DataDir);
        lock (_logLock) _log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var start = new ProcessStartInfo(Namespace is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Namespace is not null)
        {
            foreach (var arg in new[] { "netns", "exec", Namespace, "dotnet" }) start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(brokerDll);
        foreach (var arg in new[]
        {
            "--node-id", Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", DataDir,
            "--kafka-listen", $"{Host}:{KafkaPort}", "--rpc-listen", $"{Host}:{RpcPort}", "--http-listen", $"{Host}:{HttpPort}",
            "--voters", voters,
        })
            start.ArgumentList.Add(arg);
        foreach (var setting in settings)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(setting);
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsPaused = false;
        Append($"=== chaos: launched pid {process.Id}");
    }

    /// <summary>Marks a harness action in the node's log, so a post-mortem lines faults up with the broker's lines.</summary>
    public void Append(string? line)
    {
        if (line is null) return;
        lock (_logLock) _log?.WriteLine(line);
    }

    /// <summary>Polls /readyz until it answers 200 or <paramref name="timeout"/> passes.</summary>
    /// <exception cref="TimeoutException">Not ready in time.</exception>
    /// <exception cref="InvalidOperationException">The process exited.</exception>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is not { HasExited: false }) throw new InvalidOperationException($"node {Id} exited with code {_process?.ExitCode}; see {LogFile}");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Host}:{HttpPort}/readyz"), cancel).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                // not listening yet
            }
            await Task.Delay(200, cancel).ConfigureAwait(false);
        }
        throw new TimeoutException($"node {Id} was not ready within {timeout}; see {LogFile}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush (a paused process dies too).</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false }) return;
        Signals.Send(_process.Id, Signals.Kill);
        _process.WaitForExit();
        IsPaused = false;
        Append("=== chaos: SIGKILL");
    }

    /// <summary>SIGSTOP: the process keeps its sockets but answers nothing, like a long GC pause or a frozen VM.</summary>
    public void Pause()
    {
        if (_process is not { HasExited: false }) return;
        Append("=== chaos: SIGSTOP");
        Signals.Send(_process.Id, Signals.Stop);
        IsPaused = true;
    }

    public void Resume()
    {
        if (_process is not { HasExited: false }) return;
        Signals.Send(_process.Id, Signals.Continue);
        IsPaused = false;
        Append("=== chaos: SIGCONT");
    }

    /// <summary>SIGTERM and wait for a clean exit (SIGKILL after <paramref name="timeout"/>); returns whether it exited cleanly.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_process is not { HasExited: false }) return true;
        if (IsPaused) Resume();
        Append("=== chaos: SIGTERM");
        Signals.Send(_process.Id, Signals.Terminate);
        if (_process.WaitForExit(timeout)) return _process.ExitCode == 0;
        Kill();
        return false;
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}
