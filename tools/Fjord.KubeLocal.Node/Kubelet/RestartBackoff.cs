namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// The kubelet's crash-loop back-off: the first restart is immediate, later ones wait 10 s, doubling to a cap of
/// 5 minutes; a container that ran for 10 minutes before exiting starts the sequence again.
/// Pure; not thread-safe (one per container).
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter)
{
    private int _crashes;

    public static RestartBackoff Kubelet() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));

    /// <summary>How long to wait before the next start, given how long the exited container ran.</summary>
    public TimeSpan OnExit(TimeSpan ranFor)
    {
        if (ranFor >= resetAfter)
        {
            _crashes = 0;
        }
        var crashes = _crashes++;
        if (crashes == 0)
        {
            return TimeSpan.Zero;
        }
        var delay = initial * Math.Pow(2, Math.Min(crashes - 1, 20));
        return delay > max ? max : delay;
    }
}
