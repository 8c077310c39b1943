using Fjord.Operator.Topics;

namespace Fjord.Operator.Hosting;

/// <summary>
/// Coalesces the topic creations the FjordTopic workers reach within <see cref="Window"/> on one cluster into one admin
/// CreateTopicBatch call (one controller command, one metadata write batch), instead of one CreateTopic per topic: the
/// first creation opens the window, the others join it, and each caller gets its own topic's answer. Thread-safe.
/// </summary>
public sealed class TopicCreationBatcher
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(20);
    private readonly Dictionary<string, Batch> _open = new(StringComparer.Ordinal);
    private readonly AdminClusterClient _admin;
    private readonly TimeProvider _time;

    public TopicCreationBatcher(AdminClusterClient admin, TimeProvider time)
    {
        _admin = admin;
        _time = time;
    }

    /// <summary>
    /// Creates the topic with whatever else the window collects; answers its description, or null when it already
    /// existed. A Kafka error for this topic is a <see cref="TopicAdminException"/>; an unreachable cluster fails every caller.
    /// </summary>
    public Task<ObservedTopic?> CreateAsync(string clusterKey, IReadOnlyList<string> brokers, CreateKafkaTopic create, CancellationToken cancel)
    {
        var answer = new TaskCompletionSource<ObservedTopic?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_open)
        {
            if (!_open.TryGetValue(clusterKey, out var batch))
            {
                batch = new Batch(brokers);
                _open[clusterKey] = batch;
                _ = SendAfterWindowAsync(clusterKey, batch);
            }
            batch.Topics.Add((create, answer));
        }
        return answer.Task.WaitAsync(cancel);
    }

    private async Task SendAfterWindowAsync(string clusterKey, Batch batch)
    {
        await Task.Delay(Window, _time);
        lock (_open)
        {
            _open.Remove(clusterKey);
        }
        try
        {
            // No caller's cancellation cancels the others' creations: each stops waiting on its own.
            var results = await _admin.CreateTopicsAsync(batch.Brokers, [.. batch.Topics.Select(t => t.Create)], CancellationToken.None);
            for (var i = 0; i < batch.Topics.Count; i++)
            {
                var (topic, error) = results[i];
                if (error is not null)
                {
                    batch.Topics[i].Answer.SetException(error);
                }
                else
                {
                    batch.Topics[i].Answer.SetResult(topic);
                }
            }
        }
        catch (Exception e)
        {
            // Reported to every caller, whose reconcile logs it and retries.
            foreach (var (_, answer) in batch.Topics)
            {
                answer.SetException(e);
            }
        }
    }

    private sealed record Batch(IReadOnlyList<string> Brokers)
    {
        public List<(CreateKafkaTopic Create, TaskCompletionSource<ObservedTopic?> Answer)> Topics { get; } = [];
    }
}
