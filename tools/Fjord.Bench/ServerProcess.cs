using System.Diagnostics;
using System.Net.Sockets;

namespace Fjord.Bench;

/// <summary>
/// A server under benchmark (fjord-broker, redis-server, nats-server) as a child process on a
/// loopback port; reads its CPU time from /proc so figures can be given as CPU seconds per GB.
/// Dispose kills it and removes its data directory.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly string? _dataDir;

    private ServerProcess(Process process, string? dataDir)
    {
        _process = process;
        _dataDir = dataDir;
    }

    public int Pid => _process.Id;

    public static ServerProcess Start(string file, IEnumerable<string> args, int port, string? dataDir)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, dataDir);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{file} exited with code {process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return server;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        server.Dispose();
        throw new TimeoutException($"{file} did not listen on {port}");
    }

    /// <summary>utime + stime of the process in seconds (/proc/PID/stat fields 14 and 15, USER_HZ = 100).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        if (_dataDir is not null && Directory.Exists(_dataDir))
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // best effort: the temp dir is swept by the OS
            }
        }
    }
}
