using System.ComponentModel;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Runs one container of a pod for the pod's life: prepares and starts the process, drives its startup, readiness
/// and liveness probes (<see cref="ProbeTracker"/>), restarts it by the pod's restartPolicy with
/// <see cref="RestartBackoff"/> (waiting reason CrashLoopBackOff), and publishes its <c>V1ContainerStatus</c>.
/// A liveness or startup failure stops the container (SIGTERM, the pod's grace period, SIGKILL) and counts as an
/// exit. <see cref="RunAsync"/> runs on its own task; <see cref="Status"/> may be read from any thread.
/// </summary>
internal sealed partial class ContainerRunner(
    V1Container container,
    string? restartPolicy,
    TimeSpan gracePeriod,
    Func<(ContainerLaunch? Launch, string? Error)> prepare,
    ProbeRunner probes,
    TimeProvider time,
    Action changed,
    ILogger logger)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private readonly Lock _lock = new();
    private readonly RestartBackoff _backoff = RestartBackoff.Kubelet();
    private V1ContainerState _state = new() { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
    private V1ContainerState? _lastState;
    private int _restarts;
    private bool _ready;
    private bool _started;
    private string? _containerId;
    private TimeSpan _grace = gracePeriod;

    public string Name => container.Name;

    /// <summary>The SIGTERM-to-SIGKILL wait used when the pod is deleted (its deletionGracePeriodSeconds).</summary>
    public TimeSpan GracePeriod
    {
        get => _grace;
        set => _grace = value;
    }

    /// <summary>True once the container has exited for good (restartPolicy forbids another start).</summary>
    public bool Finished { get; private set; }

    public int? LastExitCode { get; private set; }

    public V1ContainerStatus Status
    {
        get
        {
            lock (_lock)
            {
                return new V1ContainerStatus
                {
                    Name = container.Name,
                    Image = container.Image,
                    ImageID = "",
                    ContainerID = _containerId,
                    Ready = _ready,
                    Started = _started,
                    RestartCount = _restarts,
                    State = _state,
                    LastState = _lastState ?? new V1ContainerState(),
                };
            }
        }
    }

    /// <summary>Runs until the container finishes for good or <paramref name="stop"/> fires (then stops it gracefully).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (launch, error) = prepare();
            if (launch is null || launch.Command.Failure is not null)
            {
                var reason = launch is null ? "CreateContainerConfigError" : "RunContainerError";
                Publish(new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = error ?? launch!.Command.Failure } }, ready: false, started: false);
                if (!await DelayAsync(TimeSpan.FromSeconds(2), stop))
                {
                    return;
                }
                continue;
            }

            var startedAt = time.GetUtcNow();
            if (_restarts > 0 && File.Exists(launch.LogPath))
            {
                // As the kubelet keeps one log per instance: the current one for `kubectl logs`, the last for --previous.
                File.Move(launch.LogPath, PodDirectories.PreviousLogPath(launch.LogPath), overwrite: true);
            }
            ContainerProcess process;
            try
            {
                process = ContainerProcess.Start(launch.Command with
                {
                    FileName = launch.Remapper.Remap(launch.Command.FileName!),
                    Arguments = launch.Command.Arguments.Select(launch.Remapper.Remap).ToList(),
                }, launch.Environment, launch.WorkingDirectory, launch.LogPath, launch.HostsFile, launch.NetworkNamespace, startedAt);
            }
            catch (Win32Exception e)
            {
                Publish(new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "RunContainerError", Message = e.Message } }, false, false);
                if (!await DelayAsync(TimeSpan.FromSeconds(2), stop))
                {
                    return;
                }
                continue;
            }
            using (process)
            {
                lock (_lock)
                {
                    _containerId = $"kube-local://{process.Pid}";
                }
                LogStarted(logger, container.Name, process.Pid, launch.Command.FileName!);
                var exitCode = await SuperviseAsync(process, launch, startedAt, stop);
                var finishedAt = time.GetUtcNow();
                var terminated = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated
                    {
                        ExitCode = exitCode,
                        Reason = exitCode == 0 ? "Completed" : "Error",
                        StartedAt = startedAt.UtcDateTime,
                        FinishedAt = finishedAt.UtcDateTime,
                        ContainerID = _containerId,
                    },
                };
                LastExitCode = exitCode;
                LogExited(logger, container.Name, process.Pid, exitCode);
                if (stop.IsCancellationRequested || !RestartDecision.ShouldRestart(restartPolicy, exitCode))
                {
                    Finished = !stop.IsCancellationRequested;
                    Publish(terminated, false, false);
                    return;
                }
                var delay = _backoff.OnExit(finishedAt - startedAt);
                lock (_lock)
                {
                    _lastState = terminated;
                }
                Publish(delay > TimeSpan.Zero
                    ? new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff", Message = $"back-off {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s restarting failed container={container.Name}" } }
                    : terminated, false, false);
                if (!await DelayAsync(delay, stop))
                {
                    return;
                }
                lock (_lock)
                {
                    _restarts++;
                }
            }
        }
    }

    private async Task<int> SuperviseAsync(ContainerProcess process, ContainerLaunch launch, DateTimeOffset startedAt, CancellationToken stop)
    {
        var startup = new ProbeTracker(ProbeKind.Startup, container.StartupProbe, startedAt);
        var readiness = new ProbeTracker(ProbeKind.Readiness, container.ReadinessProbe, startedAt);
        var liveness = new ProbeTracker(ProbeKind.Liveness, container.LivenessProbe, startedAt);
        var running = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt.UtcDateTime } };
        Publish(running, ready: startup.Succeeded && readiness.Succeeded, started: startup.Succeeded);
        while (!process.Exited.IsCompleted)
        {
            try
            {
                await process.Exited.WaitAsync(Tick, time, stop);
                break;
            }
            catch (TimeoutException)
            {
                // Time to look at the probes.
            }
            catch (OperationCanceledException)
            {
                return await process.StopAsync(_grace, time);
            }
            var now = time.GetUtcNow();
            if (!startup.Succeeded)
            {
                await ProbeAsync(startup, launch, now, stop);
                if (startup.FailedThreshold)
                {
                    LogProbeKill(logger, container.Name, "startup");
                    return await process.StopAsync(_grace, time);
                }
            }
            if (startup.Succeeded)
            {
                await ProbeAsync(readiness, launch, now, stop);
                await ProbeAsync(liveness, launch, now, stop);
                if (liveness.FailedThreshold)
                {
                    LogProbeKill(logger, container.Name, "liveness");
                    return await process.StopAsync(_grace, time);
                }
            }
            if (!process.Exited.IsCompleted)
            {
                Publish(running, ready: startup.Succeeded && readiness.Succeeded, started: startup.Succeeded);
            }
        }
        return await process.Exited;
    }

    private async Task ProbeAsync(ProbeTracker tracker, ContainerLaunch launch, DateTimeOffset now, CancellationToken stop)
    {
        if (tracker.IsDue(now))
        {
            var ok = await probes.RunAsync(tracker.Probe!, container, launch, tracker.Timeout, stop);
            tracker.Record(ok, time.GetUtcNow());
        }
    }

    private void Publish(V1ContainerState state, bool ready, bool started)
    {
        bool different;
        lock (_lock)
        {
            different = !ReferenceEquals(_state, state) || _ready != ready || _started != started;
            _state = state;
            _ready = ready;
            _started = started;
        }
        if (different)
        {
            changed();
        }
    }

    /// <summary>False when <paramref name="stop"/> fired first.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, time, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "container {Container}: started pid {Pid} ({Program})")]
    private static partial void LogStarted(ILogger logger, string container, int pid, string program);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "container {Container}: pid {Pid} exited with {ExitCode}")]
    private static partial void LogExited(ILogger logger, string container, int pid, int exitCode);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "container {Container}: {Probe} probe failed, killing it")]
    private static partial void LogProbeKill(ILogger logger, string container, string probe);
}
