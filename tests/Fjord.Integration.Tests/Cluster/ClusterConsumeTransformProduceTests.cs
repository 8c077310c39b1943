using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Integration.Tests.Transactions;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Exactly-once consume-transform-produce on a 3-node cluster of real processes: a job in its own process
/// (confluent-kafka-python on Debian's librdkafka) reads topic A in a consumer group and writes B plus its consumer
/// offsets in one transaction per batch. While it runs, SIGKILL of the transaction coordinator's node, of the leader
/// of a B partition, and of the job itself (a new job with the same transactional id takes over and fences what the
/// dead one left open). Afterwards read_committed finds every record of A in B exactly once and the group's offsets
/// at the end of A.
/// </summary>
public sealed class ClusterConsumeTransformProduceTests(ITestOutputHelper output)
{
    private const string Input = "ctp-in";
    private const string OutputTopic = "ctp-out";
    private const string Group = "ctp-job";
    private const string TransactionalId = "ctp-job";
    private const int Records = 3000;

    [Fact]
    public async Task Job_AcrossCoordinatorLeaderAndJobKills_WritesEveryInputRecordOnce_AndCommitsItsOffsetsToTheEnd()
    {
        using var cluster = ClusterProcess.Start(3, ClusterTransactionTests.Settings);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{cluster.Output}");
        await TransactionClients.CreateTopicAsync(cluster.BootstrapServers, Input, 3, 3);
        await TransactionClients.CreateTopicAsync(cluster.BootstrapServers, OutputTopic, 3, 3);
        var inputs = await ProduceInputAsync(cluster.BootstrapServers);
        var clock = Stopwatch.StartNew();

        var jobs = new JobRunner(cluster, output);
        try
        {
            jobs.Start();
            Eventually.True(() => jobs.Ready, TimeSpan.FromSeconds(90), () => $"the job initialised its transactions\n{jobs.Output}");
            var coordinator = TransactionCoordinatorOf(cluster);

            jobs.WaitForProgress(300, clock);
            output.WriteLine($"{clock.Elapsed}: killing node {coordinator}, the coordinator of {TransactionalId}, at {jobs.Committed} records");
            cluster.Nodes[coordinator].Kill();
            jobs.WaitForProgress(jobs.Committed + 300, clock);
            cluster.Restart(cluster.Nodes[coordinator]);

            var leader = LeaderOf(cluster, OutputTopic, 0);
            output.WriteLine($"{clock.Elapsed}: killing node {leader}, the leader of {OutputTopic}-0, at {jobs.Committed} records");
            cluster.Nodes[leader].Kill();
            jobs.WaitForProgress(jobs.Committed + 300, clock);
            cluster.Restart(cluster.Nodes[leader]);

            jobs.WaitForProgress(jobs.Committed + 100, clock);
            output.WriteLine($"{clock.Elapsed}: killing the job at {jobs.Committed} records; a new one takes over");
            jobs.KillAndReplace();
            jobs.WaitUntilDone(TimeSpan.FromMinutes(4), clock);
        }
        finally
        {
            jobs.Dispose();
        }

        var partitions = Enumerable.Range(0, 3).Select(p => new TopicPartition(OutputTopic, p)).ToArray();
        var written = TransactionClients.ReadValues(cluster.BootstrapServers, partitions, IsolationLevel.ReadCommitted, Records);
        var copies = written.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.True(copies.Count == 0, $"{copies.Count} values written more than once: {string.Join(", ", copies.Take(10))}");
        var missing = inputs.Select(v => "out-" + v).Except(written).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} input records never written: {string.Join(", ", missing.Take(10))}");
        Assert.Equal(Records, written.Count);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(Group, [.. Enumerable.Range(0, 3).Select(p => new TopicPartition(Input, p))])]);
        Assert.Equal(Records, offsets[0].Partitions.Sum(p => p.Offset.Value));
        output.WriteLine($"{clock.Elapsed}: {written.Count} records in {OutputTopic}, each once; {jobs.Started} job(s) ran; aborted transactions: {jobs.Aborts}");
    }

    private static async Task<List<string>> ProduceInputAsync(string bootstrapServers)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();
        var values = TransactionClients.Values("in", Records);
        await Task.WhenAll(values.Select((v, i) => producer.ProduceAsync(Input, new Message<string, string> { Key = $"k{i}", Value = v })));
        return [.. values];
    }

    private static int TransactionCoordinatorOf(ClusterProcess cluster)
    {
        var node = -1;
        Eventually.True(() =>
        {
            var found = ClusterTransactionTests.FindTransactionCoordinators(cluster.Nodes[0].KafkaPort, [TransactionalId]);
            node = found is [{ ErrorCode: 0 } coordinator] ? coordinator.NodeId : -1;
            return node >= 0;
        }, TimeSpan.FromSeconds(30), () => $"the coordinator of {TransactionalId}\n{cluster.Output}");
        return node;
    }

    private static int LeaderOf(ClusterProcess cluster, string topic, int partition)
    {
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { } l && l.TryGetValue(partition, out var leader) && leader >= 0,
            TimeSpan.FromSeconds(60), () => $"a leader for {topic}-{partition}\n{cluster.Output}");
        return leaders![partition];
    }

    /// <summary>
    /// The job's processes, paced (10 records per transaction, 0.1 s apart) so the faults land mid-stream: one at a time; one that exits on a fatal error (the client's contract: a new instance) is
    /// replaced, as is one the test kills. Progress is the running total its last `committed` line reported.
    /// </summary>
    private sealed class JobRunner(ClusterProcess cluster, ITestOutputHelper output) : IDisposable
    {
        private readonly List<BackgroundCommand> _jobs = [];
        private int _committedBefore;

        public int Started => _jobs.Count;

        private BackgroundCommand Current => _jobs[^1];

        public bool Ready => Current.Lines.Contains("ready");

        public int Committed => _committedBefore + CommittedBy(Current);

        public int Aborts => _jobs.Sum(j => j.Lines.Count(l => l.StartsWith("aborted", StringComparison.Ordinal)));

        public string Output => string.Join("\n", _jobs.Select((j, i) => $"=== job {i}\n{string.Join("\n", j.Lines)}"));

        public void Start() => _jobs.Add(BackgroundCommand.Python("confluent_python_ctp.py",
            cluster.BootstrapServers, Input, OutputTopic, Group, TransactionalId, Records.ToString(System.Globalization.CultureInfo.InvariantCulture), "10", "0.1"));

        public void KillAndReplace()
        {
            Current.Kill();
            Replace();
        }

        /// <summary>Waits until the jobs together committed <paramref name="records"/> records, replacing a job that died on a fatal error.</summary>
        public void WaitForProgress(int records, Stopwatch clock) =>
            Eventually.True(() => KeepRunning() && Committed >= Math.Min(records, Records), TimeSpan.FromMinutes(3),
                () => $"the job at {records} records (now {Committed}) after {clock.Elapsed}\n{Output}\n{cluster.Output}");

        public void WaitUntilDone(TimeSpan timeout, Stopwatch clock) =>
            Eventually.True(() => KeepRunning() && Current.Lines.Any(l => l.StartsWith("done", StringComparison.Ordinal)), timeout,
                () => $"the job done after {clock.Elapsed}\n{Output}\n{cluster.Output}");

        public void Dispose()
        {
            foreach (var job in _jobs) job.Dispose();
        }

        private bool KeepRunning()
        {
            if (Current.HasExited && !Current.Lines.Any(l => l.StartsWith("done", StringComparison.Ordinal)))
            {
                output.WriteLine($"job {_jobs.Count - 1} exited: {Current.Lines.LastOrDefault()}");
                Replace();
            }

            return true;
        }

        private void Replace()
        {
            _committedBefore += CommittedBy(Current);
            Start();
        }

        private static int CommittedBy(BackgroundCommand job) =>
            job.LastLine(l => l.StartsWith("committed ", StringComparison.Ordinal)) is { } line ? int.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
