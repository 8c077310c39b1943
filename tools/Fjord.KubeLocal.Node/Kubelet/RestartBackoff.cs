namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// The kubelet's crash-loop back-off: 10 s after the first exit, doubling to a cap of 5 minutes; a container that
/// ran for 10 minutes before exiting starts again from 10 s. Pure; not thread-safe (one per container).
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter)
{
    public static RestartBackoff Kubelet() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));

    private TimeSpan _next = TimeSpan.Zero;

    /// <summary>How long to wait before the next start, given how long the exited container ran.</summary>
    public TimeSpan OnExit(TimeSpan ranFor)
    {
        if (ranFor >= resetAfter || _next == TimeSpan.Zero)
        {
            _next = initial;
        }
        else
        {
            _next = _next * 2 > max ? max : _next * 2;
        }
        return _next;
    }
}
