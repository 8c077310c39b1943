using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// A real <c>fjord-broker</c> process on free loopback ports with its own temporary data
/// directory. Start waits for /readyz; Kill sends SIGKILL; Dispose stops it and removes the data.
/// Output is kept so a failing test can show what the broker said.
/// </summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string[] _extraArgs;
    private readonly DateTime _startedUtc = DateTime.UtcNow;
    private Process? _process;

    private BrokerProcess(string dataDir, bool ownsDataDir, string[] extraArgs)
    {
        DataDir = dataDir;
        OwnsDataDir = ownsDataDir;
        _extraArgs = extraArgs;
        KafkaPort = FreePort();
        HttpPort = FreePort();
    }

    public string DataDir { get; }

    private bool OwnsDataDir { get; }

    public int KafkaPort { get; }

    public int HttpPort { get; }

    public string BootstrapServers => $"127.0.0.1:{KafkaPort}";

    public int ProcessId => _process?.Id ?? -1;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a broker with a fresh data directory; <paramref name="settings"/> are passed as --set key=value.</summary>
    public static BrokerProcess Start(params string[] settings)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "fjord-it-" + Guid.NewGuid().ToString("N")[..12]);
        var broker = new BrokerProcess(dataDir, ownsDataDir: true, settings);
        broker.Launch();
        return broker;
    }

    /// <summary>Starts a broker on <paramref name="dataDir"/>, which the caller prepared and removes.</summary>
    public static BrokerProcess StartOn(string dataDir)
    {
        var broker = new BrokerProcess(dataDir, ownsDataDir: false, []);
        broker.Launch();
        return broker;
    }

    /// <summary>Starts a broker with a fresh data directory and returns at once, before it is ready.</summary>
    public static BrokerProcess StartWithoutWaiting()
    {
        var broker = new BrokerProcess(Path.Combine(Path.GetTempPath(), "fjord-it-" + Guid.NewGuid().ToString("N")[..12]), ownsDataDir: true, []);
        broker.Launch(waitUntilReady: false);
        return broker;
    }

    /// <summary>Starts again on the same ports and data directory (after <see cref="Kill"/> or <see cref="Stop"/>).</summary>
    public void Restart() => Launch();

    public static string BrokerDll
    {
        get
        {
            // tests/Fjord.Integration.Tests/bin/<Configuration>/net10.0/ -> the repository root
            var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testDir)!);
            var root = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", ".."));
            var dll = Path.Combine(root, "src", "Fjord.Broker", "bin", configuration, "net10.0", "fjord-broker.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the broker first: {dll} is missing");
        }
    }

    private void Launch(bool waitUntilReady = true)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BrokerDll);
        foreach (var arg in new[]
        {
            "--node-id", "0", "--data-dir", DataDir,
            "--kafka-listen", $"127.0.0.1:{KafkaPort}", "--http-listen", $"127.0.0.1:{HttpPort}",
            "--rpc-listen", $"127.0.0.1:{FreePort()}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var setting in _extraArgs)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(setting);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        BrokerLogScan.Watch();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (waitUntilReady) WaitUntilReady(TimeSpan.FromSeconds(60));
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            File.AppendAllText(LogFile, line + Environment.NewLine);
        }
    }

    /// <summary>Everything the broker printed, kept after the test for post-mortems.</summary>
    public string LogFile => Path.Combine(Path.GetTempPath(), "fjord-it-logs", $"broker-{KafkaPort}.log");

    private void WaitUntilReady(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"fjord-broker exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if (http.GetAsync($"http://127.0.0.1:{HttpPort}/readyz").Result.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (AggregateException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"fjord-broker was not ready within {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; what the page cache holds survives.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM and wait for a clean exit; returns the exit code.</summary>
    public int Stop(TimeSpan? timeout = null)
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        Signal(_process.Id, "TERM");
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fjord-broker did not exit after SIGTERM:\n{Output}");
        }

        return _process.ExitCode;
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    /// <summary>Kills the broker, removes its data, then fails when its log holds unexpected errors (<see cref="BrokerLogScan"/>).</summary>
    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        if (OwnsDataDir && Directory.Exists(DataDir))
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // a background delete of the broker may still be running; the temp dir is swept by the OS
            }
        }

        BrokerLogScan.ThrowIfUnexpected($"fjord-broker on port {KafkaPort} (log {LogFile})", Output, _startedUtc);
    }

    /// <summary>
    /// A port that is free now, below Linux's ephemeral range (32768+) and never handed out twice by this
    /// process. Port 0 would give an ephemeral port, which an outgoing connection (a client, another node's
    /// fetcher) may take in the seconds before the broker binds it: the "address already in use" failures of
    /// cluster tests that start nodes one after another.
    /// </summary>
    public static int FreePort()
    {
        lock (s_handedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!s_handedOut.Add(port)) continue;
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // taken by something else; try another
                }
            }
        }
        throw new InvalidOperationException("no free port found in 20000-32000");
    }

    private static readonly HashSet<int> s_handedOut = [];
}
