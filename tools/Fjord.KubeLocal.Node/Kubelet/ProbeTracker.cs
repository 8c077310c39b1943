using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// One probe of one running container, as the kubelet's prober worker keeps it: the first probe is due
/// <c>initialDelaySeconds</c> after the container started, then every <c>periodSeconds</c>; the result flips to
/// success after <c>successThreshold</c> consecutive successes and to failure after <c>failureThreshold</c>
/// consecutive failures. Without a probe the result is success at once (a container without a readiness probe is
/// ready when running). Readiness starts failed and liveness succeeded; startup starts failed and stops probing
/// once it succeeds. Pure; not thread-safe (owned by the container's runner).
/// </summary>
internal sealed class ProbeTracker
{
    private readonly V1Probe? _probe;
    private int _successes;
    private int _failures;

    public ProbeTracker(ProbeKind kind, V1Probe? probe, DateTimeOffset containerStarted)
    {
        Kind = kind;
        _probe = probe;
        Succeeded = probe is null || kind == ProbeKind.Liveness;
        NextDue = containerStarted + TimeSpan.FromSeconds(Math.Max(0, probe?.InitialDelaySeconds ?? 0));
    }

    public ProbeKind Kind { get; }

    public V1Probe? Probe => _probe;

    /// <summary>Ready, alive or started, by <see cref="Kind"/>.</summary>
    public bool Succeeded { get; private set; }

    /// <summary>True once <c>failureThreshold</c> consecutive failures are seen (liveness and startup then kill).</summary>
    public bool FailedThreshold { get; private set; }

    public DateTimeOffset NextDue { get; private set; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(Math.Max(1, _probe?.TimeoutSeconds ?? 1));

    public bool IsDue(DateTimeOffset now) =>
        _probe is not null && now >= NextDue && !(Kind == ProbeKind.Startup && Succeeded);

    public void Record(bool success, DateTimeOffset now)
    {
        NextDue = now + TimeSpan.FromSeconds(Math.Max(1, _probe?.PeriodSeconds ?? 10));
        if (success)
        {
            _failures = 0;
            _successes++;
            // Liveness and startup probes must use successThreshold 1 (the API server enforces it).
            var threshold = Kind == ProbeKind.Readiness ? Math.Max(1, _probe?.SuccessThreshold ?? 1) : 1;
            if (_successes >= threshold)
            {
                Succeeded = true;
            }
            return;
        }
        _successes = 0;
        _failures++;
        if (_failures >= Math.Max(1, _probe?.FailureThreshold ?? 3))
        {
            Succeeded = false;
            FailedThreshold = true;
        }
    }
}
