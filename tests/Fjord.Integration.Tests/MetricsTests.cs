using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using YamlDotNet.RepresentationModel;

namespace Fjord.Integration.Tests;

/// <summary>A broker of its own for the metrics tests, so counters and gauges move only with their workloads.</summary>
public sealed class MetricsBrokerFixture : IDisposable
{
    public BrokerProcess Broker { get; } = BrokerProcess.Start("group.initial.rebalance.delay.ms=0");

    public void Dispose() => Broker.Dispose();
}

/// <summary>
/// /metrics of a real broker process, scraped and parsed as Prometheus text while Confluent.Kafka
/// producers, consumers and a group run; and the Grafana dashboard and alert rules in
/// deploy/monitoring checked against what the broker exports.
/// </summary>
public sealed partial class MetricsTests(MetricsBrokerFixture fixture) : IClassFixture<MetricsBrokerFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Every family the broker exports: name, Prometheus type, labels each sample carries.</summary>
    public static readonly (string Name, string Type, string[] Labels)[] ExpectedFamilies =
    [
        ("fjord_requests_total", "counter", ["api", "version"]),
        ("fjord_request_duration_seconds", "histogram", ["api", "version"]),
        ("fjord_request_queue_time_seconds", "histogram", ["api", "version"]),
        ("fjord_bytes_in_total", "counter", ["topic"]),
        ("fjord_bytes_out_total", "counter", ["topic"]),
        ("fjord_messages_in_total", "counter", ["topic"]),
        ("fjord_connections", "gauge", []),
        ("fjord_connections_opened_total", "counter", []),
        ("fjord_fetch_purgatory_size", "gauge", []),
        ("fjord_produce_purgatory_size", "gauge", []),
        ("fjord_isr_shrinks_total", "counter", []),
        ("fjord_isr_expands_total", "counter", []),
        ("fjord_topics", "gauge", []),
        ("fjord_partitions", "gauge", []),
        ("fjord_leader_partitions", "gauge", []),
        ("fjord_under_replicated_partitions", "gauge", []),
        ("fjord_under_min_isr_partitions", "gauge", []),
        ("fjord_offline_partitions", "gauge", []),
        ("fjord_active_controller", "gauge", []),
        ("fjord_fenced_brokers", "gauge", []),
        ("fjord_registered_brokers", "gauge", []),
        ("fjord_log_dir_total_bytes", "gauge", ["log_dir"]),
        ("fjord_log_dir_usable_bytes", "gauge", ["log_dir"]),
        ("fjord_log_size_bytes", "gauge", ["topic", "partition"]),
        ("fjord_log_segments", "gauge", ["topic", "partition"]),
        ("fjord_log_start_offset", "gauge", ["topic", "partition"]),
        ("fjord_log_end_offset", "gauge", ["topic", "partition"]),
        ("fjord_high_watermark", "gauge", ["topic", "partition"]),
        ("fjord_consumer_groups", "gauge", ["state"]),
        ("fjord_consumer_group_lag", "gauge", ["group", "topic", "partition"]),
        ("fjord_consumer_group_committed_offset", "gauge", ["group", "topic", "partition"]),
        ("fjord_ongoing_transactions", "gauge", []),
        ("fjord_last_stable_offset_lag_max", "gauge", []),
        ("fjord_transactions_committed_total", "counter", []),
        ("fjord_transactions_aborted_total", "counter", []),
        ("fjord_transaction_marker_write_failures_total", "counter", []),
        ("fjord_transaction_marker_writes_in_flight", "gauge", []),
        ("fjord_transaction_verifications_in_flight", "gauge", []),
        ("fjord_telemetry_client_instances", "gauge", []),
        ("fjord_telemetry_dropped_points_total", "counter", []),
        ("dotnet_gc_collections_total", "counter", ["gc_heap_generation"]),
        ("dotnet_gc_last_collection_heap_size_bytes", "gauge", ["gc_heap_generation"]),
        ("dotnet_thread_pool_thread_count_total", "counter", []),
        ("dotnet_thread_pool_queue_length_total", "counter", []),
        ("process_cpu_time_seconds_total", "counter", ["cpu_mode"]),
        ("process_memory_usage_bytes", "gauge", []),
        ("process_thread_count", "gauge", []),
    ];

    private static readonly string[] s_perPartitionFamilies =
        ["fjord_log_size_bytes", "fjord_log_segments", "fjord_log_start_offset", "fjord_log_end_offset", "fjord_high_watermark"];

    private BrokerProcess Broker => fixture.Broker;

    [Fact]
    public async Task Scrape_UnderProduceFetchAndGroupWorkload_EveryFamilyExistsWithItsLabelsAndMoves()
    {
        var topic = TestTopics.Unique("metrics");
        var group = "g-" + topic;
        var before = Scrape(Broker);
        await CreateTopicAsync(topic, 2);

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers, Acks = Acks.All }).Build();
        for (var i = 0; i < 100; i++)
        {
            producer.Produce(new TopicPartition(topic, i < 60 ? 0 : 1), new Message<Null, string> { Value = "message-" + i });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        using var consumer = NewGroupConsumer(group);
        consumer.Subscribe(topic);
        ConsumeAll(consumer, 100);

        // Part-way commits: lag is the high watermark minus the committed offset.
        consumer.Commit([new TopicPartitionOffset(topic, 0, 10), new TopicPartitionOffset(topic, 1, 5)]);
        var lagging = EventuallyScrape(s => Lag(s, group, topic, 0) == 50 && Lag(s, group, topic, 1) == 35,
            "lag 50 on partition 0 and 35 on partition 1 after committing offsets 10 and 5");
        Assert.Equal(10, lagging.Sum("fjord_consumer_group_committed_offset", ("group", group), ("topic", topic), ("partition", "0")));

        // An idle member long-polls its empty partitions: its Fetch waits in the purgatory, and the group is Stable.
        var polling = EventuallyScrape(s => s.Sum("fjord_fetch_purgatory_size") >= 1 && s.Sum("fjord_consumer_groups", ("state", "Stable")) >= 1,
            "an idle consumer's fetch in the purgatory and a Stable group", consumer);

        consumer.Commit([new TopicPartitionOffset(topic, 0, 60), new TopicPartitionOffset(topic, 1, 40)]);
        var after = EventuallyScrape(s => Lag(s, group, topic, 0) == 0 && Lag(s, group, topic, 1) == 0,
            "lag 0 on both partitions after committing the high watermarks");

        foreach (var scrape in new[] { lagging, polling, after })
        {
            AssertEveryFamily(scrape, s_perPartitionFamilies);
        }

        // Request counters and histograms move with the workload, by API and version.
        foreach (var api in new[] { "Produce", "Fetch", "JoinGroup", "SyncGroup", "OffsetCommit", "Metadata" })
        {
            Assert.True(after.Sum("fjord_requests_total", ("api", api)) > before.Sum("fjord_requests_total", ("api", api)), $"fjord_requests_total{{api={api}}} increased");
            Assert.True(after.Sum("fjord_request_duration_seconds_count", ("api", api)) > before.Sum("fjord_request_duration_seconds_count", ("api", api)), $"{api} duration histogram counted");
            Assert.True(after.Sum("fjord_request_queue_time_seconds_count", ("api", api)) > 0, $"{api} queue time histogram counted");
        }

        Assert.All(after.Family("fjord_request_duration_seconds_bucket"), s => Assert.NotNull(s.Label("le")));
        Assert.Equal(
            after.Sum("fjord_requests_total", ("api", "Produce")),
            after.Sum("fjord_request_duration_seconds_bucket", ("api", "Produce"), ("le", "+Inf")));

        // Bytes and messages by topic: each record batch header counts, never each record on the hot path.
        Assert.Equal(100, after.Sum("fjord_messages_in_total", ("topic", topic)));
        Assert.True(after.Sum("fjord_bytes_in_total", ("topic", topic)) > 100 * "message-0".Length, "bytes in cover the produced values");
        Assert.True(after.Sum("fjord_bytes_out_total", ("topic", topic)) >= after.Sum("fjord_bytes_in_total", ("topic", topic)), "the consumer fetched every byte produced");

        // Connections and purgatories.
        Assert.True(after.Sum("fjord_connections") >= 2, "producer and consumer connections are open");
        Assert.True(after.Sum("fjord_connections_opened_total") > before.Sum("fjord_connections_opened_total"), "connections were opened");
        Assert.Equal(0, after.Sum("fjord_produce_purgatory_size"));

        // Partition state of a healthy single node.
        Assert.True(after.Sum("fjord_partitions") >= 2 + 50, "the topic's 2 partitions and __consumer_offsets' 50");
        Assert.Equal(after.Sum("fjord_partitions"), after.Sum("fjord_leader_partitions"));
        Assert.Equal(0, after.Sum("fjord_under_replicated_partitions"));
        Assert.Equal(0, after.Sum("fjord_offline_partitions"));
        Assert.Equal(0, after.Sum("fjord_isr_shrinks_total"));
        Assert.Equal(0, after.Sum("fjord_isr_expands_total"));
        Assert.Equal(1, after.Sum("fjord_active_controller"));
        Assert.Equal(0, after.Sum("fjord_fenced_brokers"));
        Assert.True(after.Sum("fjord_topics") > before.Sum("fjord_topics"), "the new topic is counted");

        // Per-partition log figures.
        Assert.Equal(60, after.Sum("fjord_high_watermark", ("topic", topic), ("partition", "0")));
        Assert.Equal(40, after.Sum("fjord_log_end_offset", ("topic", topic), ("partition", "1")));
        Assert.Equal(0, after.Sum("fjord_log_start_offset", ("topic", topic), ("partition", "0")));
        Assert.Equal(1, after.Sum("fjord_log_segments", ("topic", topic), ("partition", "0")));
        Assert.True(after.Sum("fjord_log_size_bytes", ("topic", topic)) >= after.Sum("fjord_bytes_in_total", ("topic", topic)), "the log holds every byte produced");

        // Disk, runtime and process.
        var total = after.Sum("fjord_log_dir_total_bytes");
        var usable = after.Sum("fjord_log_dir_usable_bytes");
        Assert.True(total > 0 && usable > 0 && usable <= total, $"log dir usable {usable} of {total}");
        Assert.Equal(Broker.DataDir, after.Family("fjord_log_dir_total_bytes").Single().Label("log_dir"));
        Assert.True(after.Sum("process_cpu_time_seconds_total") > before.Sum("process_cpu_time_seconds_total"), "CPU time advanced");
        Assert.True(after.Sum("process_memory_usage_bytes") > 0, "resident memory reported");
        consumer.Close();
    }

    [Fact]
    public async Task Scrape_AfterTransactions_CountsCommitsAndAborts_AndAnOpenOneShowsAsOngoingWithItsLsoLag()
    {
        var topic = TestTopics.Unique("metrics-txn");
        await CreateTopicAsync(topic, 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = Broker.BootstrapServers, TransactionalId = "txn-" + topic, TransactionTimeoutMs = 60_000,
        }).Build();
        producer.InitTransactions(s_timeout);
        var before = Scrape(Broker);

        async Task ProduceAsync(int count)
        {
            producer.BeginTransaction();
            for (var i = 0; i < count; i++) await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "txn-" + i });
        }

        await ProduceAsync(3);
        producer.CommitTransaction(s_timeout);
        await ProduceAsync(2);
        producer.AbortTransaction(s_timeout);
        await ProduceAsync(4);

        // Four records written past the open transaction's first offset: read_committed trails by 4.
        var open = EventuallyScrape(s => s.Sum("fjord_ongoing_transactions") == 1 && s.Sum("fjord_last_stable_offset_lag_max") == 4
                && s.Sum("fjord_transactions_committed_total") == before.Sum("fjord_transactions_committed_total") + 1
                && s.Sum("fjord_transactions_aborted_total") == before.Sum("fjord_transactions_aborted_total") + 1,
            "one open transaction lagging the LSO by 4, after one commit and one abort");
        Assert.Equal(0, open.Sum("fjord_transaction_marker_write_failures_total"));

        producer.CommitTransaction(s_timeout);
        EventuallyScrape(s => s.Sum("fjord_ongoing_transactions") == 0 && s.Sum("fjord_last_stable_offset_lag_max") == 0
                && s.Sum("fjord_transactions_committed_total") == before.Sum("fjord_transactions_committed_total") + 2
                && s.Sum("fjord_transaction_marker_writes_in_flight") == 0 && s.Sum("fjord_transaction_verifications_in_flight") == 0,
            "no open transaction and no LSO lag once the last one committed");
    }

    [Fact]
    public async Task TopicWithMinInsyncReplicasTwo_OnOneNode_IsCountedUnderMinIsr()
    {
        var before = Scrape(Broker).Sum("fjord_under_min_isr_partitions");
        var topic = TestTopics.Unique("minisr");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 3, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" },
        }]);

        EventuallyScrape(s => s.Sum("fjord_under_min_isr_partitions") == before + 3, "3 more partitions under min ISR");
        await admin.DeleteTopicsAsync([topic]);
        EventuallyScrape(s => s.Sum("fjord_under_min_isr_partitions") == before, "back to the earlier count once the topic is deleted");
    }

    [Fact]
    public async Task DashboardAndAlertRules_AreValid_AndReferenceOnlyMetricsTheBrokerExports()
    {
        // A small workload, so the by-topic and by-group families have samples to show.
        var topic = TestTopics.Unique("dash");
        var group = "g-" + topic;
        await CreateTopicAsync(topic, 1);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "x" });
        }

        using var consumer = NewGroupConsumer(group);
        consumer.Subscribe(topic);
        ConsumeAll(consumer, 1);
        consumer.Commit([new TopicPartitionOffset(topic, 0, 1)]);
        var scrape = EventuallyScrape(s => s.Family("fjord_consumer_group_lag").Any(x => x.Label("group") == group), "lag of the committed group");
        consumer.Close();
        // The Raft and controller-loop series exist only in cluster mode; ClusterQuorumMetricsTests checks a cluster exports them.
        var exported = scrape.SampleNames.Concat(Cluster.ClusterQuorumMetricsTests.ClusterOnlySampleNames).ToHashSet(StringComparer.Ordinal);

        var dashboardPath = Path.Combine(AppContext.BaseDirectory, "monitoring", "fjord-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(dashboardPath));
        var rows = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.GetProperty("type").GetString() == "row").Select(p => p.GetProperty("title").GetString()).ToList();
        Assert.Equal(["Cluster overview", "Per broker", "Per topic", "Consumer lag"], rows);
        var dashboardQueries = new List<string>();
        CollectJsonStrings(dashboard.RootElement, ["expr", "definition"], dashboardQueries);
        Assert.True(dashboardQueries.Count >= 30, $"the dashboard has queries ({dashboardQueries.Count})");

        var rulesPath = Path.Combine(AppContext.BaseDirectory, "monitoring", "fjord-alerts.yaml");
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(rulesPath)))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        Assert.Equal("PrometheusRule", Scalar(root, "kind"));
        Assert.Equal("monitoring.coreos.com/v1", Scalar(root, "apiVersion"));
        var rules = ((YamlSequenceNode)((YamlMappingNode)root["spec"])["groups"])
            .Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>())
            .ToList();
        foreach (var rule in rules)
        {
            Assert.Contains(Scalar(rule, "severity", (YamlMappingNode)rule["labels"]), new[] { "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(Scalar(rule, "expr")));
        }

        var alerts = rules.Select(r => Scalar(r, "alert")).ToList();
        foreach (var required in new[] { "FjordOfflinePartitions", "FjordUnderReplicatedPartitions", "FjordUnderMinIsrPartitions", "FjordNoActiveController", "FjordConsumerLagGrowing", "FjordLogDirNearlyFull" })
        {
            Assert.Contains(required, alerts);
        }

        var scrapeConfig = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "monitoring", "prometheus-scrape.yaml"))))
        {
            scrapeConfig.Load(reader);
        }

        var job = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)scrapeConfig.Documents.Single().RootNode)["scrape_configs"]).Single();
        Assert.Equal("/metrics", Scalar(job, "metrics_path"));

        var referenced = dashboardQueries.Concat(rules.Select(r => Scalar(r, "expr")))
            .SelectMany(q => MetricName().Matches(q).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(referenced);
        var missing = referenced.Where(name => !exported.Contains(name)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "the dashboard or rules use metrics the broker does not export: " + string.Join(", ", missing));
    }

    private static void AssertEveryFamily(PrometheusText scrape, string[] optional)
    {
        foreach (var (name, type, labels) in ExpectedFamilies)
        {
            Assert.True(scrape.Types.TryGetValue(name, out var actualType), $"family {name} is exported");
            Assert.Equal(type, actualType);
            var samples = scrape.Samples.Where(s => PrometheusText.FamilyOf(s.Name, scrape.Types) == name).ToList();
            if (optional.Contains(name) && samples.Count == 0)
            {
                continue;
            }

            Assert.True(samples.Count > 0, $"family {name} has samples");
            Assert.All(samples, s => Assert.All(labels, label => Assert.True(s.Labels.ContainsKey(label), $"{s.Name} carries label {label}")));
        }
    }

    private static double? Lag(PrometheusText scrape, string group, string topic, int partition)
    {
        var sample = scrape.Family("fjord_consumer_group_lag")
            .FirstOrDefault(s => s.Label("group") == group && s.Label("topic") == topic && s.Label("partition") == partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return sample?.Value;
    }

    private PrometheusText EventuallyScrape(Func<PrometheusText, bool> condition, string what, IConsumer<Null, string>? keepPolling = null)
    {
        PrometheusText? last = null;
        Eventually.True(() =>
        {
            keepPolling?.Consume(TimeSpan.FromMilliseconds(50));
            last = Scrape(Broker);
            return condition(last);
        }, s_timeout, what);
        return last!;
    }

    internal static PrometheusText Scrape(BrokerProcess broker)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = http.GetAsync($"http://127.0.0.1:{broker.HttpPort}/metrics").GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    private IConsumer<Null, string> NewGroupConsumer(string group) =>
        new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 500,
        }).Build();

    private static void ConsumeAll(IConsumer<Null, string> consumer, int count)
    {
        var consumed = 0;
        Eventually.True(() =>
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null })
            {
                consumed++;
            }

            return consumed >= count;
        }, s_timeout, $"the group consumer read {count} records (got {consumed})");
    }

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private static void CollectJsonStrings(JsonElement element, string[] keys, List<string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (keys.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        into.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        CollectJsonStrings(property.Value, keys, into);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectJsonStrings(item, keys, into);
                }

                break;
        }
    }

    private static string Scalar(YamlMappingNode node, string key, YamlMappingNode? within = null) =>
        ((YamlScalarNode)(within ?? node)[key]).Value ?? "";

    /// <summary>Metric names in a PromQL expression: every exported family starts with one of these prefixes.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_:$.])(fjord|dotnet|process)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}

/// <summary>A broker with per-partition metrics off and JSON logs.</summary>
public sealed class QuietMetricsBrokerFixture : IDisposable
{
    public BrokerProcess Broker { get; } = BrokerProcess.Start("metrics.partition.level=false", "log.format=json");

    public void Dispose() => Broker.Dispose();
}

/// <summary><c>metrics.partition.level=false</c> and <c>--log-format json</c> against a real broker process.</summary>
public sealed class MetricsSwitchesTests(QuietMetricsBrokerFixture fixture) : IClassFixture<QuietMetricsBrokerFixture>
{
    [Fact]
    public async Task PartitionLevelOff_OmitsPerPartitionFamilies_AndKeepsTheCounts()
    {
        var topic = TestTopics.Unique("quiet");
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.Broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" });
        }

        var scrape = MetricsTests.Scrape(fixture.Broker);
        foreach (var name in new[] { "fjord_log_size_bytes", "fjord_log_segments", "fjord_log_start_offset", "fjord_log_end_offset", "fjord_high_watermark" })
        {
            Assert.False(scrape.Types.ContainsKey(name), $"{name} is off with metrics.partition.level=false");
        }

        Assert.True(scrape.Sum("fjord_partitions") >= 1, "partition counts stay");
        Assert.Equal(1, scrape.Sum("fjord_messages_in_total", ("topic", topic)));
    }

    [Fact]
    public void JsonLogs_EveryLineCarriesTheNodeId()
    {
        var lines = fixture.Broker.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var scopes = json.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
            Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("NodeId", out var id) && id.GetInt32() == 0);
        }
    }
}
