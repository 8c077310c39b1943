using System.Diagnostics;
using System.Text;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// N real <c>fjord-broker</c> processes on loopback forming one cluster (voters, then optionally learners:
/// nodes left out of <c>--voters</c>), each with free ports and its own temp data directory. Start waits for
/// every node's /readyz; Dispose kills them all and removes the data. Not thread-safe; owned by one test.
/// </summary>
public sealed class ClusterProcess : IDisposable
{
    private readonly List<Node> _nodes = [];
    private readonly string[] _settings;
    private readonly Func<int, string[]> _nodeSettings;
    private readonly DateTime _startedUtc = DateTime.UtcNow;

    private ClusterProcess(int voters, int learners, string[] settings, Func<int, string[]>? nodeSettings)
    {
        _settings = settings;
        _nodeSettings = nodeSettings ?? (_ => []);
        var root = Path.Combine(Path.GetTempPath(), "fjord-cluster-" + Guid.NewGuid().ToString("N"));
        for (var id = 0; id < voters + learners; id++)
            _nodes.Add(new Node(id, Path.Combine(root, $"node-{id}"), BrokerProcess.FreePort(), BrokerProcess.FreePort(), BrokerProcess.FreePort()));
        Root = root;
        BrokerLogScan.Watch();
        Voters = string.Join(',', _nodes.Take(voters).Select(n => $"{n.Id}@127.0.0.1:{n.RpcPort}"));
    }

    public string Root { get; }

    public string Voters { get; }

    public IReadOnlyList<Node> Nodes => _nodes;

    public string BootstrapServers => string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.KafkaPort}"));

    /// <summary>Starts <paramref name="count"/> nodes, each with <paramref name="settings"/> (<c>key=value</c>, passed as <c>--set</c>), and waits until each listens.</summary>
    public static ClusterProcess Start(int count, params string[] settings) => StartWithLearners(count, 0, settings);

    /// <summary>
    /// Starts <paramref name="count"/> nodes with <paramref name="settings"/> plus each node's own (<paramref name="nodeSettings"/>
    /// of its id, e.g. <c>rack=b</c>), and waits until each listens.
    /// </summary>
    public static ClusterProcess Start(int count, Func<int, string[]> nodeSettings, params string[] settings) =>
        Started(new ClusterProcess(count, 0, settings, nodeSettings));

    /// <summary>Starts <paramref name="voters"/> voters (ids 0..) and <paramref name="learners"/> learners (the next ids) and waits until each is ready.</summary>
    public static ClusterProcess StartWithLearners(int voters, int learners, params string[] settings) => Started(Create(voters, learners, settings));

    private static ClusterProcess Started(ClusterProcess cluster)
    {
        try
        {
            foreach (var node in cluster._nodes) cluster.Launch(node);
            foreach (var node in cluster._nodes) node.WaitUntilReady(TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            try
            {
                cluster.Dispose();
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or AggregateException)
            {
                // The start failure being rethrown is the report (it carries the nodes' output); log errors of a
                // cluster that never started are part of that story, not a second failure.
            }
            throw;
        }
    }

    /// <summary>A cluster whose nodes are not started yet: start them one by one with <see cref="Launch"/>.</summary>
    public static ClusterProcess Create(int voters, int learners, params string[] settings) => new(voters, learners, settings, null);

    /// <summary>Starts a node's process without waiting for it.</summary>
    public void Launch(Node node) => node.Launch(Voters, [.. _settings, .. _nodeSettings(node.Id)]);

    /// <summary>Starts a killed node again on its data directory and ports, and waits until it listens.</summary>
    public void Restart(Node node)
    {
        node.Kill();
        Launch(node);
        node.WaitUntilReady(TimeSpan.FromSeconds(60));
    }

    /// <summary>Bootstrap servers of every node but <paramref name="excluded"/>.</summary>
    public string BootstrapServersExcept(int excluded) =>
        string.Join(',', _nodes.Where(n => n.Id != excluded).Select(n => n.BootstrapServers));

    /// <summary>Every node's output, for failure messages.</summary>
    public string Output => string.Join("\n", _nodes.Select(n => $"=== node {n.Id}\n{n.Output}"));

    /// <summary>Kills every node, removes the data, then fails when a node logged unexpected errors (<see cref="BrokerLogScan"/>).</summary>
    public void Dispose()
    {
        // What the nodes said while the test ran; the teardown kills them one by one, and what the survivors say
        // about the dead meanwhile is not the test's doing.
        var output = Output;
        foreach (var node in _nodes) node.Dispose();
        try
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a node may still be releasing files; the temp dir is swept by the OS
        }

        BrokerLogScan.ThrowIfUnexpected($"the {_nodes.Count}-node cluster", output, _startedUtc);
    }

    /// <summary>One broker process of the cluster.</summary>
    public sealed class Node(int id, string dataDir, int kafkaPort, int rpcPort, int httpPort) : IDisposable
    {
        private readonly StringBuilder _output = new();
        private Process? _process;

        public int Id { get; } = id;

        public string DataDir { get; } = dataDir;

        public int KafkaPort { get; } = kafkaPort;

        public int RpcPort { get; } = rpcPort;

        public int HttpPort { get; } = httpPort;

        public string BootstrapServers => $"127.0.0.1:{KafkaPort}";

        /// <summary>The running process's id (for SIGSTOP/SIGCONT through <see cref="BrokerProcess.Signal"/>), or -1.</summary>
        public int ProcessId => _process is { HasExited: false } p ? p.Id : -1;

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        internal void Launch(string voters, string[] settings)
        {
            _process?.Dispose();
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(BrokerProcess.BrokerDll);
            foreach (var arg in new[]
            {
                "--node-id", Id.ToString(), "--data-dir", DataDir,
                "--kafka-listen", $"127.0.0.1:{KafkaPort}", "--rpc-listen", $"127.0.0.1:{RpcPort}",
                "--http-listen", $"127.0.0.1:{HttpPort}", "--voters", voters,
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
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        /// <summary>A scrape of the node's /metrics.</summary>
        public PrometheusText ScrapeMetrics()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            return PrometheusText.Parse(http.GetStringAsync($"http://127.0.0.1:{HttpPort}/metrics").GetAwaiter().GetResult());
        }

        /// <summary>The HTTP status of /readyz; null when the HTTP listener does not answer.</summary>
        public int? ReadyzStatus()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            try
            {
                return (int)http.GetAsync($"http://127.0.0.1:{HttpPort}/readyz").Result.StatusCode;
            }
            catch (AggregateException)
            {
                return null;
            }
        }

        /// <summary>
        /// True once the process has exited and everything it wrote has reached <see cref="Output"/>: its last lines can
        /// still be in the pipe when the exit is seen (a loaded machine showed a SIGTERMed node's shutdown log missing),
        /// and the parameterless WaitForExit returns only after the redirected streams reached their end.
        /// </summary>
        public bool HasExited
        {
            get
            {
                if (_process is null) return true;
                if (!_process.HasExited) return false;
                _process.WaitForExit();
                return true;
            }
        }

        /// <summary>SIGTERM: the broker shuts down in a controlled way (KIP-841).</summary>
        public void Terminate()
        {
            if (_process is { HasExited: false } && SendSignal(_process.Id, 15) != 0)
                throw new InvalidOperationException($"kill -TERM {_process.Id} failed");
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SendSignal(int pid, int signal);

        public void WaitUntilReady(TimeSpan timeout)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_process!.HasExited) throw new InvalidOperationException($"node {Id} exited with code {_process.ExitCode}:\n{Output}");
                try
                {
                    if (http.GetAsync($"http://127.0.0.1:{HttpPort}/readyz").Result.IsSuccessStatusCode) return;
                }
                catch (AggregateException)
                {
                    // not listening yet
                }
                Thread.Sleep(100);
            }
            throw new TimeoutException($"node {Id} was not ready within {timeout}:\n{Output}");
        }

        /// <summary>SIGKILL.</summary>
        public void Kill()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            _process?.Dispose();
        }
    }
}
