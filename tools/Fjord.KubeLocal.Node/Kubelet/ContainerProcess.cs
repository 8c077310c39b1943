using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// One container instance as a host process in a session (and process group) of its own, started through
/// <c>setsid sh -c 'exec "$@" >> log 2>&amp;1'</c>: stdout and stderr append to the container's log file without
/// passing through kube-local-node (a node restart does not break the pipe), and signals go to the whole group,
/// so children a shell forked stop with it, as when a container's PID 1 exits. With a cluster DNS hosts file the
/// shell first enters a mount namespace of its own (<c>unshare --mount</c>) and bind-mounts the file over
/// <c>/etc/hosts</c> there (see <see cref="Dns.PodDnsSupport"/>). In network-namespace mode <c>nsenter --net</c> first
/// moves it into the pod's network namespace, and a resolv.conf whose lookups fail fast is mounted too
/// (<see cref="Dns.ClusterDns.ResolvConf"/>). Thread-safe.
/// </summary>
internal sealed partial class ContainerProcess : IDisposable
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    private readonly Process _process;

    private ContainerProcess(Process process, DateTimeOffset started)
    {
        _process = process;
        Started = started;
        Pid = process.Id;
        Exited = WaitAsync();
    }

    public int Pid { get; }

    public DateTimeOffset Started { get; }

    /// <summary>Completes with the exit code (128 + signal when killed) once the process and its group are gone.</summary>
    public Task<int> Exited { get; }

    public static ContainerProcess Start(ContainerCommand command, IReadOnlyDictionary<string, string> env, string workingDirectory, string logPath,
        string? hostsFile, string? networkNamespace, DateTimeOffset now)
    {
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        // nsenter, unshare and sh exec what follows, so the pid stays the container's and signals reach it.
        if (networkNamespace is not null)
        {
            start.ArgumentList.Add("nsenter");
            start.ArgumentList.Add($"--net=/run/netns/{networkNamespace}");
        }
        if (hostsFile is not null)
        {
            start.ArgumentList.Add("unshare");
            start.ArgumentList.Add("--mount");
        }
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        var resolvConf = hostsFile is not null && networkNamespace is not null ? Dns.ClusterDns.ResolvConf(hostsFile) : null;
        start.ArgumentList.Add(hostsFile is null
            ? "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1"
            : resolvConf is null
                ? "log=$1; hosts=$2; shift 2; " + Dns.PodDnsSupport.MountHostsScript + "exec \"$@\" >>\"$log\" 2>&1"
                : "log=$1; hosts=$2; resolv=$3; shift 3; " + Dns.PodDnsSupport.MountHostsScript + Dns.PodDnsSupport.MountResolvConfScript
                    + "exec \"$@\" >>\"$log\" 2>&1");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(logPath);
        if (hostsFile is not null)
        {
            start.ArgumentList.Add(hostsFile);
        }
        if (resolvConf is not null)
        {
            start.ArgumentList.Add(resolvConf);
        }
        start.ArgumentList.Add(command.FileName!);
        foreach (var arg in command.Arguments)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Clear();
        foreach (var inherited in new[] { "PATH", "DOTNET_ROOT", "DOTNET_CLI_HOME", "HOME", "LANG", "TMPDIR" })
        {
            if (Environment.GetEnvironmentVariable(inherited) is { } value)
            {
                start.Environment[inherited] = value;
            }
        }
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command.FileName}");
        process.StandardInput.Close();
        return new ContainerProcess(process, now);
    }

    /// <summary>Sends a signal to the container's process group (the group id is the leader's pid).</summary>
    public void Signal(int signal)
    {
        if (kill(-Pid, signal) != 0)
        {
            kill(Pid, signal);
        }
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> for the process to exit, then SIGKILL; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace, TimeProvider time)
    {
        if (!Exited.IsCompleted)
        {
            Signal(SigTerm);
            if (grace > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(grace, time);
                try
                {
                    await Exited.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Grace period over.
                }
            }
            if (!Exited.IsCompleted)
            {
                Signal(SigKill);
            }
        }
        return await Exited;
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        // PID 1 of a container exiting takes the rest of the container with it; the container has stopped only
        // once its whole process group is gone (a killed child may take a moment to die and be reaped).
        kill(-Pid, SigKill);
        for (var i = 0; i < 200 && kill(-Pid, 0) == 0; i++)
        {
            await Task.Delay(10);
        }
        return _process.ExitCode;
    }

    public void Dispose() => _process.Dispose();

    /// <summary>SIGKILL to one process (one that escaped its container's group and must not outlive its pod).</summary>
    public static void Kill(int pid) => kill(pid, SigKill);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>Runs a short command (an exec probe) in the container's environment; true on exit code 0 within the timeout.</summary>
    public static async Task<bool> RunToCompletionAsync(ContainerCommand command, IReadOnlyDictionary<string, string> env, string workingDirectory,
        string? hostsFile, string? networkNamespace, TimeSpan timeout, TimeProvider time)
    {
        ContainerProcess process;
        try
        {
            process = Start(command, env, workingDirectory, "/dev/null", hostsFile, networkNamespace, time.GetUtcNow());
        }
        catch (Win32Exception)
        {
            return false;
        }
        using (process)
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            try
            {
                return await process.Exited.WaitAsync(deadline.Token) == 0;
            }
            catch (OperationCanceledException)
            {
                await process.StopAsync(TimeSpan.Zero, time);
                return false;
            }
        }
    }
}
