using System.Globalization;
using System.Text.Json;
using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;

namespace Fjord.Broker.Hosting;

/// <summary>
/// Migrates a data directory written by the former single-node broker (no metadata quorum) into the one-voter quorum:
/// each topic of <c>fjord-topics.json</c> becomes a topic of the metadata log with its old id, partition count and
/// configs, this node its only replica, so the partition logs beside it are kept as they are; <c>fjord-producer-ids</c>
/// moves the controller's producer-id blocks above every id the old broker handed out. Runs once the broker is
/// registered with its own controller and before the broker is ready (clients wait at the door), then renames both
/// files to <c>*.migrated</c>. A crash midway repeats it: a topic already imported with the same id counts as done.
/// A multi-voter node refuses such a directory at startup (<see cref="RefuseInCluster"/>).
/// Hosted service; its readiness condition is read from any thread.
/// </summary>
public sealed partial class DataDirMigration(
    BrokerConfig config, ControllerHost controller, MetadataQuorum quorum, LocalBrokerRegistration registration, TimeProvider time,
    ILogger<DataDirMigration> logger) : BackgroundService, IReadinessCondition
{
    public const string TopicsFileName = "fjord-topics.json";
    public const string ProducerIdsFileName = "fjord-producer-ids";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan CommitWait = TimeSpan.FromSeconds(30);

    private volatile bool _pending = Finds(config.DataDir);

    /// <inheritdoc/>
    public string? NotReadyReason => _pending ? $"migrating the single-node data directory ({TopicsFileName})" : null;

    /// <summary>True when <paramref name="dataDir"/> holds files of the single-node layout not yet migrated.</summary>
    public static bool Finds(string dataDir) =>
        File.Exists(Path.Combine(dataDir, TopicsFileName)) || File.Exists(Path.Combine(dataDir, ProducerIdsFileName));

    /// <summary>Throws the one line an operator needs when a node of a multi-voter quorum meets the old layout.</summary>
    public static void RefuseInCluster(BrokerConfig config, ClusterVoters voters)
    {
        if (voters.IsSingleVoter || !Finds(config.DataDir)) return;
        throw new ConfigException($"{Path.Combine(config.DataDir, TopicsFileName)} was written by a single-node broker: start this data directory once without --voters to migrate it, or give this node an empty --data-dir");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_pending) return;
        // The topics name this node as their replica, which the controller accepts only once it is registered and unfenced.
        while (registration.NotReadyReason is not null || !controller.IsActive)
            await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);

        var topicsPath = Path.Combine(config.DataDir, TopicsFileName);
        if (File.Exists(topicsPath))
        {
            var topics = ReadTopics(topicsPath, config.NodeId);
            var results = await controller.SubmitAsync(c => c.CreateTopics(topics)).WaitAsync(CommitWait, time, stoppingToken).ConfigureAwait(false);
            foreach (var result in results)
            {
                var topic = topics.First(t => t.Name == result.Name);
                var alreadyImported = result.Error == Protocol.Errors.ErrorCode.TopicAlreadyExists && quorum.StateMachine.Image.GetTopic(topic.TopicId!.Value) is not null;
                if (result.Error != Protocol.Errors.ErrorCode.None && !alreadyImported)
                    throw new InvalidOperationException($"migrating topic {result.Name} from {topicsPath} failed: {result.Error} {result.Message}");
                LogTopicMigrated(result.Name, topic.Assignments!.Count);
            }
            File.Move(topicsPath, topicsPath + ".migrated", overwrite: true);
        }

        var producerIdsPath = Path.Combine(config.DataDir, ProducerIdsFileName);
        if (File.Exists(producerIdsPath))
        {
            var next = long.Parse(File.ReadAllText(producerIdsPath).Trim(), CultureInfo.InvariantCulture);
            var now = await controller.SubmitAsync(c => c.AdvanceProducerIds(next)).WaitAsync(CommitWait, time, stoppingToken).ConfigureAwait(false);
            LogProducerIdsMigrated(next, now);
            File.Move(producerIdsPath, producerIdsPath + ".migrated", overwrite: true);
        }

        _pending = false;
    }

    /// <summary>The stored topics as CreateTopics commands that keep their ids and place every partition on this node.</summary>
    internal static List<CreatableTopic> ReadTopics(string path, int nodeId)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var topics = new List<CreatableTopic>();
        foreach (var stored in document.RootElement.EnumerateArray())
        {
            var partitions = stored.GetProperty("partitions").GetInt32();
            var assignments = new Dictionary<int, IReadOnlyList<int>>(partitions);
            for (var p = 0; p < partitions; p++) assignments[p] = [nodeId];
            var configs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (stored.TryGetProperty("configs", out var storedConfigs))
                foreach (var config in storedConfigs.EnumerateObject()) configs[config.Name] = config.Value.GetString() ?? "";
            var id = TopicIds.ToGuid(Uuid.Parse(stored.GetProperty("topicId").GetString()!));
            topics.Add(new CreatableTopic(stored.GetProperty("name").GetString()!, Assignments: assignments, Configs: configs, TopicId: id));
        }
        return topics;
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Migrated topic {Topic} ({Partitions} partitions) from the single-node data directory into the metadata log")]
    private partial void LogTopicMigrated(string topic, int partitions);

    [LoggerMessage(EventId = 151, Level = LogLevel.Information, Message = "Migrated producer ids: the old broker reserved up to {Reserved}; the next block starts at {Next}")]
    private partial void LogProducerIdsMigrated(long reserved, long next);
}
