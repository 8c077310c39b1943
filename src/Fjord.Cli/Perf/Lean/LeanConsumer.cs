using System.Diagnostics;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Perf.Lean;

/// <summary>
/// A consumer that measures the broker rather than a client's per-message cost: raw Fetch requests (v12, sessionless,
/// read_uncommitted) over one connection per partition leader, each fetch asking for every unfinished partition that
/// broker leads, records counted from batch headers by <see cref="FetchedPartition"/> and never decoded. It asks
/// Metadata for the leaders and ListOffsets for each partition's start and end, reads every partition from its start
/// to its end and fails unless the records read are exactly <see cref="LeanConsumerSettings.ExpectedRecords"/> at
/// contiguous offsets. The clock runs from the first fetch to the last partition's end. Used by `make bench`; async,
/// one task per leader.
/// </summary>
public static class LeanConsumer
{
    private const short MetadataVersion = 12;
    private const short ListOffsetsVersion = 7;
    private const short FetchVersion = 12;
    private const long EarliestTimestamp = -2;
    private const long LatestTimestamp = -1;

    public static async Task<PerfResult> RunAsync(string bootstrapServers, LeanConsumerSettings settings, CancellationToken cancel = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(settings.MaxDuration);
        var leaders = await LeadersAsync(bootstrapServers, settings.Topic, deadline.Token);
        var connections = new List<(BrokerConnection Connection, List<FetchedPartition> Partitions)>();
        try
        {
            foreach (var (broker, partitions) in leaders)
            {
                var connection = await BrokerConnection.ConnectAsync(broker.Host, broker.Port, deadline.Token);
                connections.Add((connection, []));
                connections[^1].Partitions.AddRange(await OffsetRangesAsync(connection, settings.Topic, partitions, deadline.Token));
            }

            var listed = connections.Sum(c => c.Partitions.Sum(p => p.EndOffset - p.NextOffset));
            if (listed != settings.ExpectedRecords)
            {
                throw new InvalidDataException($"{settings.Topic} holds {listed} offsets between its partitions' start and end offsets, expected {settings.ExpectedRecords} records");
            }

            var start = Stopwatch.GetTimestamp();
            try
            {
                await Task.WhenAll(connections.Select(c => FetchToEndAsync(c.Connection, settings, c.Partitions, deadline.Token)));
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                var behind = connections.SelectMany(c => c.Partitions).Where(p => !p.Done).Select(p => $"{p.Partition} at {p.NextOffset}/{p.EndOffset}");
                throw new TimeoutException($"{settings.Topic}: not read to the end within {settings.MaxDuration.TotalSeconds:F0} s (partitions {string.Join(", ", behind)})");
            }

            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var records = connections.Sum(c => c.Partitions.Sum(p => p.Records));
            if (records != settings.ExpectedRecords)
            {
                throw new InvalidDataException($"{settings.Topic}: read {records} records, expected {settings.ExpectedRecords}");
            }

            return PerfResult.From("consume", records, records * settings.RecordSize, seconds, 0, null);
        }
        finally
        {
            foreach (var (connection, _) in connections)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Each partition's leader endpoint, from one Metadata request to a bootstrap server.</summary>
    private static async Task<Dictionary<(string Host, int Port), List<int>>> LeadersAsync(string bootstrapServers, string topic, CancellationToken cancel)
    {
        using var bootstrap = await BrokerConnection.ConnectAnyAsync(bootstrapServers, cancel);
        var metadata = await bootstrap.RoundTripAsync<MetadataResponse>(
            new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = false }, MetadataVersion, cancel);
        var described = metadata.Topics.SingleOrDefault(t => t.Name == topic) ?? throw new InvalidDataException($"Metadata from {bootstrap.Address} has no topic {topic}");
        Fail(described.ErrorCode, $"Metadata of {topic}");
        var brokers = metadata.Brokers.ToDictionary(b => b.NodeId, b => (b.Host, b.Port));
        var leaders = new Dictionary<(string Host, int Port), List<int>>();
        foreach (var partition in described.Partitions)
        {
            Fail(partition.ErrorCode, $"Metadata of {topic}-{partition.PartitionIndex}");
            if (!brokers.TryGetValue(partition.LeaderId, out var leader))
            {
                throw new InvalidDataException($"{topic}-{partition.PartitionIndex} has leader {partition.LeaderId}, which is not among the brokers Metadata lists");
            }

            if (!leaders.TryGetValue(leader, out var led))
            {
                leaders[leader] = led = [];
            }

            led.Add(partition.PartitionIndex);
        }

        return leaders;
    }

    /// <summary>The log start and end (high watermark) of every partition a leader serves, from ListOffsets at that leader.</summary>
    private static async Task<List<FetchedPartition>> OffsetRangesAsync(BrokerConnection leader, string topic, List<int> partitions, CancellationToken cancel)
    {
        var earliest = await ListOffsetsAsync(leader, topic, partitions, EarliestTimestamp, cancel);
        var latest = await ListOffsetsAsync(leader, topic, partitions, LatestTimestamp, cancel);
        return [.. partitions.Select(p => new FetchedPartition(topic, p, earliest[p], latest[p]))];
    }

    private static async Task<Dictionary<int, long>> ListOffsetsAsync(BrokerConnection leader, string topic, List<int> partitions, long timestamp, CancellationToken cancel)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [.. partitions.Select(p => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = p, Timestamp = timestamp })] }],
        };
        var response = await leader.RoundTripAsync<ListOffsetsResponse>(request, ListOffsetsVersion, cancel);
        var offsets = new Dictionary<int, long>();
        foreach (var partition in response.Topics.SelectMany(t => t.Partitions))
        {
            Fail(partition.ErrorCode, $"ListOffsets of {topic}-{partition.PartitionIndex} at {leader.Address}");
            offsets[partition.PartitionIndex] = partition.Offset;
        }

        return offsets;
    }

    /// <summary>
    /// Fetches from one leader until each of its partitions reaches its end offset: one request for every unfinished
    /// partition, parked by the broker up to MaxWaitMs when it has nothing yet.
    /// </summary>
    private static async Task FetchToEndAsync(BrokerConnection leader, LeanConsumerSettings settings, List<FetchedPartition> partitions, CancellationToken cancel)
    {
        var byIndex = partitions.ToDictionary(p => p.Partition);
        var topic = new FetchRequest.FetchTopic { Topic = settings.Topic };
        var request = new FetchRequest { ReplicaId = -1, MaxWaitMs = settings.MaxWaitMs, MinBytes = settings.MinBytes, MaxBytes = settings.FetchMaxBytes, Topics = [topic] };
        while (true)
        {
            topic.Partitions.Clear();
            foreach (var partition in partitions)
            {
                if (!partition.Done)
                {
                    topic.Partitions.Add(new FetchRequest.FetchPartition { Partition = partition.Partition, FetchOffset = partition.NextOffset, PartitionMaxBytes = settings.PartitionMaxBytes });
                }
            }

            if (topic.Partitions.Count == 0)
            {
                return;
            }

            var response = await leader.RoundTripAsync<FetchResponse>(request, FetchVersion, cancel);
            Fail(response.ErrorCode, $"Fetch from {leader.Address}");
            foreach (var data in response.Responses.SelectMany(t => t.Partitions))
            {
                Fail(data.ErrorCode, $"Fetch of {settings.Topic}-{data.PartitionIndex} from {leader.Address}");
                var partition = byIndex[data.PartitionIndex];
                var before = partition.NextOffset;
                if (data.Records is { } records && partition.Consume(records) == 0 && records.Length > 0 && before < data.HighWatermark)
                {
                    // KIP-74: a broker returns the first batch whole even when it is larger than the limits; a records
                    // field with only a cut batch would make this loop fetch the same bytes for ever.
                    throw new InvalidDataException($"{settings.Topic}-{data.PartitionIndex}: {records.Length} bytes at offset {before} without one whole batch");
                }
            }
        }
    }

    private static void Fail(short errorCode, string what)
    {
        if (errorCode != 0)
        {
            throw new InvalidDataException($"{what}: {(ErrorCode)errorCode}");
        }
    }
}
