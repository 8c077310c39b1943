using System.Text.Json;

namespace Fjord.Operator.EndToEnd.Tests;

/// <summary>
/// Samples the broker pods every 200 ms in the background: the most brokers that were not ready (terminating or
/// missing) at once, and what it saw. Thread-safe.
/// </summary>
public sealed class BrokersDownWatch : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _history = [];

    public BrokersDownWatch(Func<List<JsonElement>> brokerPods, int brokers)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var pods = brokerPods();
                var ready = pods.Count(p => KubeLocalCluster.IsReady(p) && !KubeLocalCluster.IsTerminating(p));
                var down = Math.Max(0, brokers - ready);
                if (down > MostDown)
                {
                    MostDown = down;
                }
                lock (_history)
                {
                    _history.Add($"{DateTime.UtcNow:HH:mm:ss.fff} ready {ready}: {string.Join(' ', pods.Select(p => $"{KubeLocalCluster.Name(p)}{(KubeLocalCluster.IsReady(p) ? "" : "(not ready)")}{(KubeLocalCluster.IsTerminating(p) ? "(terminating)" : "")}"))}");
                }
                try
                {
                    await Task.Delay(200, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public int MostDown { get; private set; }

    public string History
    {
        get
        {
            lock (_history)
            {
                return string.Join('\n', _history.TakeLast(200));
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
