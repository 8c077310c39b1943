using System.Buffers;
using System.Buffers.Binary;
using Confluent.Kafka;
using Fjord.Protocol;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// How many replica fetch round trips an acks=all write costs on 3 real processes (RF=3, min.insync.replicas=2), as
/// counts read from the leader's /metrics, never as times. With no consumer attached every Fetch the leader serves is a
/// follower's, so the leader's Fetch request count is the replica fetch count.
/// - At light load (one record at a time, each waiting for its acknowledgement) a batch costs each follower one
///   fetch: the fetch parked at the log end is answered by the append, and the follower's next fetch, carrying its
///   new log end offset, moves the high watermark and completes the produce. A path that waited for a timer instead
///   costs the same count but 500 ms; the latency figures are in docs/isr.md and `make bench`.
/// - With one record per Produce request sent as fast as librdkafka can (linger.ms=0, batch.num.messages=1), the
///   requests queued on the producer's connection are appended while earlier ones wait for replication, so one
///   follower round trip acknowledges many requests. A broker that served one Produce per connection at a time
///   needed at least one round trip per request, and its acks=all latency grew without bound above ~1/RTT requests/s.
/// </summary>
public sealed class ClusterAcksAllRoundTripTests(ITestOutputHelper output)
{
    private const string RequestCount = "fjord_request_duration_seconds_count";

    [Fact]
    public async Task AcksAll_AtLightLoad_EachAcknowledgedBatchCostsAboutOneFetchPerFollower()
    {
        using var cluster = Start(out var leader, "light");
        using var producer = Producer(cluster.BootstrapServers, batchNumMessages: 10_000);
        const int batches = 200;
        await producer.ProduceAsync("light", new Message<Null, string> { Value = "warm-up" });
        var fetchesBefore = ServedRequests(cluster.Nodes[leader], "Fetch");
        for (var i = 0; i < batches; i++)
        {
            var delivered = await producer.ProduceAsync("light", new Message<Null, string> { Value = $"record-{i}" });
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }

        var perFollowerPerBatch = (ServedRequests(cluster.Nodes[leader], "Fetch") - fetchesBefore) / 2.0 / batches;
        output.WriteLine($"{batches} acknowledged one-record batches: {perFollowerPerBatch:F2} replica fetches per follower per batch");
        // One per batch, plus the few fetches that reach their 500 ms max wait while the test itself stalls.
        Assert.InRange(perFollowerPerBatch, 0.9, 1.5);
    }

    [Fact]
    public async Task AcksAll_OneRecordPerRequestAtFullSpeed_ManyRequestsShareAFollowerRoundTrip()
    {
        using var cluster = Start(out var leader, "pipelined");
        using var producer = Producer(cluster.BootstrapServers, batchNumMessages: 1);
        await producer.ProduceAsync("pipelined", new Message<Null, string> { Value = "warm-up" });
        var producesBefore = ServedRequests(cluster.Nodes[leader], "Produce");
        var fetchesBefore = ServedRequests(cluster.Nodes[leader], "Fetch");
        const int records = 3_000;
        var failed = 0;
        for (var i = 0; i < records; i++)
            producer.Produce("pipelined", new Message<Null, string> { Value = $"record-{i}" }, report => { if (report.Error.IsError) Interlocked.Increment(ref failed); });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(120)));
        Assert.Equal(0, failed);

        var produces = ServedRequests(cluster.Nodes[leader], "Produce") - producesBefore;
        var fetchesPerFollower = (ServedRequests(cluster.Nodes[leader], "Fetch") - fetchesBefore) / 2.0;
        output.WriteLine($"{records} records in {produces} Produce requests, acknowledged after {fetchesPerFollower:F0} fetches per follower " +
            $"({produces / fetchesPerFollower:F1} requests per follower round trip)");
        Assert.True(produces >= records / 2, $"librdkafka sent {produces} Produce requests for {records} records with batch.num.messages=1");
        Assert.True(fetchesPerFollower * 2 <= produces, $"{fetchesPerFollower:F0} fetches per follower for {produces} Produce requests: requests did not share round trips");
    }

    [Fact]
    public void PipelinedAcksAllProducesAndOtherRequests_AreAnsweredInRequestOrder_WithOffsetsInRequestOrder()
    {
        using var cluster = Start(out var leader, "ordered");
        const int requests = 41;
        var frames = new ArrayBufferWriter<byte>();
        for (var id = 1; id <= requests; id++)
        {
            // An ApiVersions in the middle must wait for the produces before it, and the ones after it append after it.
            frames.Write(id == 21
                ? RawKafkaConnection.Encode(new ApiVersionsRequest(), 0, id)
                : RawKafkaConnection.Encode(AcksAllProduce("ordered", $"record-{id}"), 7, id));
        }

        using var connection = new RawKafkaConnection(cluster.Nodes[leader].KafkaPort);
        connection.SendRaw(frames.WrittenSpan);
        var offsets = new List<long>();
        for (var id = 1; id <= requests; id++)
        {
            var frame = connection.ReceiveFrame() ?? throw new Xunit.Sdk.XunitException($"the connection closed before response {id}\n{cluster.Output}");
            Assert.Equal(id, BinaryPrimitives.ReadInt32BigEndian(frame));
            if (id == 21) continue;
            var reader = new ProtocolReader(new ReadOnlySequence<byte>(frame, 4, frame.Length - 4));
            var response = new ProduceResponse();
            response.Read(ref reader, 7);
            var partition = response.Responses[0].PartitionResponses[0];
            Assert.Equal(0, partition.ErrorCode);
            offsets.Add(partition.BaseOffset);
        }

        output.WriteLine($"{requests} pipelined requests answered in order; produce offsets {offsets[0]}..{offsets[^1]}");
        Assert.Equal(Enumerable.Range((int)offsets[0], requests - 1).Select(o => (long)o), offsets);
    }

    private static ProduceRequest AcksAllProduce(string topic, string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, System.Text.Encoding.UTF8.GetBytes(value));
        var request = new ProduceRequest { Acks = -1, TimeoutMs = 30_000 };
        request.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        return request;
    }

    private ClusterProcess Start(out int leader, string topic)
    {
        var cluster = ClusterProcess.Start(3, "min.insync.replicas=2", "broker.session.timeout.ms=6000", "broker.heartbeat.interval.ms=500");
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(20));
        (int Leader, int[] Isr)? state = null;
        Eventually.True(() => (state = ClusterClient.LeaderAndIsr(cluster.BootstrapServers, topic, 0)) is { Leader: >= 0, Isr.Length: 3 },
            TimeSpan.FromSeconds(30), () => $"{topic}-0 has a leader and all 3 replicas in its ISR (now {state})\n{cluster.Output}");
        leader = state!.Value.Leader;
        output.WriteLine($"node {leader} leads {topic}-0");
        return cluster;
    }

    private static IProducer<Null, string> Producer(string bootstrapServers, int batchNumMessages) => new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        LingerMs = 0,
        BatchNumMessages = batchNumMessages,
        MessageTimeoutMs = 60_000,
    }).Build();

    private static double ServedRequests(ClusterProcess.Node node, string api) => node.ScrapeMetrics().Sum(RequestCount, ("api", api));
}
