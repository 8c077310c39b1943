using System.Diagnostics.Metrics;
using System.Globalization;
using Fjord.Coordinator.Groups;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Metrics;

/// <summary>
/// Consumer group gauges computed on the broker (Kafka needs a separate lag exporter for these):
/// groups by state, and each group's committed offset and lag (high watermark − committed offset)
/// per topic-partition. The coordinator answers on its own event loop, so a background loop asks it
/// every <see cref="RefreshInterval"/> and the gauges read the last answer; a scrape never waits
/// for the coordinator and never runs on a request thread.
/// Thread-safe: the loop publishes an immutable snapshot; gauge callbacks read it.
/// </summary>
public sealed partial class ConsumerGroupMetrics : BackgroundService
{
    /// <summary>How stale the lag figures may be; lag alerts look at minutes, so seconds are plenty.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private static readonly GroupState[] s_states = Enum.GetValues<GroupState>();

    private readonly GroupCoordinatorService _coordinator;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsumerGroupMetrics> _logger;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ConsumerGroupMetrics(BrokerMetrics metrics, GroupCoordinatorService coordinator, TimeProvider time, ILogger<ConsumerGroupMetrics> logger)
    {
        _coordinator = coordinator;
        _time = time;
        _logger = logger;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("fjord_consumer_groups", GroupsByState, unit: "{group}",
            description: "Consumer groups this broker coordinates, by state (Kafka's GroupMetadataManager NumGroups<State>).");
        meter.CreateObservableGauge("fjord_consumer_group_lag", () => PerPartition(p => p.Lag ?? 0), unit: "{message}",
            description: "High watermark minus the group's committed offset, per topic-partition the group has committed.");
        meter.CreateObservableGauge("fjord_consumer_group_committed_offset", () => PerPartition(p => p.CommittedOffset), unit: "{offset}",
            description: "The group's committed offset per topic-partition.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var listed = await _coordinator.ListGroupsAsync([], []).WaitAsync(cancellationToken);
            var states = new Dictionary<string, int>(StringComparer.Ordinal);
            var lags = new List<(string Group, PartitionLag Lag)>();
            foreach (var group in listed.Groups)
            {
                states[group.GroupState] = states.GetValueOrDefault(group.GroupState) + 1;
                foreach (var lag in await _coordinator.DescribeLagAsync(group.GroupId).WaitAsync(cancellationToken))
                {
                    if (lag.Lag is not null)
                    {
                        lags.Add((group.GroupId, lag));
                    }
                }
            }

            _snapshot = new Snapshot(states, lags);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keep the previous figures; the coordinator may still be loading or stopping.
            LogRefreshFailed(ex);
        }
    }

    private IEnumerable<Measurement<int>> GroupsByState()
    {
        var states = _snapshot.States;
        var measurements = new Measurement<int>[s_states.Length];
        for (var i = 0; i < s_states.Length; i++)
        {
            var name = s_states[i].KafkaName();
            measurements[i] = new Measurement<int>(states.GetValueOrDefault(name), new KeyValuePair<string, object?>("state", name));
        }

        return measurements;
    }

    private IEnumerable<Measurement<long>> PerPartition(Func<PartitionLag, long> value)
    {
        var lags = _snapshot.Lags;
        var measurements = new Measurement<long>[lags.Count];
        for (var i = 0; i < lags.Count; i++)
        {
            var (group, lag) = lags[i];
            measurements[i] = new Measurement<long>(value(lag),
                new KeyValuePair<string, object?>("group", group),
                new KeyValuePair<string, object?>("topic", lag.Topic),
                new KeyValuePair<string, object?>("partition", lag.Partition.ToString(CultureInfo.InvariantCulture)));
        }

        return measurements;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Could not refresh consumer group metrics; keeping the previous figures")]
    private partial void LogRefreshFailed(Exception exception);

    private sealed record Snapshot(IReadOnlyDictionary<string, int> States, IReadOnlyList<(string Group, PartitionLag Lag)> Lags)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, int>(), []);
    }
}
