using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Metadata.Tests;

/// <summary>
/// An active controller over a fake clock, with helpers that run a command, check it succeeded, append its
/// records to an in-memory "log" and replay them (what the event loop does). Not thread-safe.
/// </summary>
internal sealed class ControllerTestContext
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public QuorumController Controller { get; }
    public List<MetadataRecord> Log { get; } = [];
    public Dictionary<int, long> Epochs { get; } = [];

    public ControllerTestContext(QuorumControllerOptions? options = null, int seed = 1)
    {
        Controller = new QuorumController(options ?? new QuorumControllerOptions(), Time, new Random(seed));
        Controller.Activate(MetadataImage.Empty);
    }

    public MetadataImage Image => Controller.Image;

    public T Run<T>(ControllerResult<T> result)
    {
        Log.AddRange(result.Records);
        Controller.Replay(result.Records);
        return result.Response;
    }

    /// <summary>Registers and unfences brokers 0..n-1, racks from <paramref name="racks"/> (cycled) when given.</summary>
    public ControllerTestContext WithBrokers(int n, params string[] racks)
    {
        for (var i = 0; i < n; i++) AddBroker(i, racks.Length > 0 ? racks[i % racks.Length] : null);
        return this;
    }

    public long AddBroker(int id, string? rack = null)
    {
        var reply = Run(Controller.RegisterBroker(new BrokerRegistrationRequest(id, Guid.NewGuid(), rack, [new("PLAINTEXT", "localhost", 9092 + id)])));
        Assert.Equal(ErrorCode.None, reply.Error);
        Epochs[id] = reply.BrokerEpoch;
        var hb = Heartbeat(id);
        Assert.False(hb.IsFenced);
        return reply.BrokerEpoch;
    }

    public BrokerHeartbeatReply Heartbeat(int id, bool wantShutDown = false) =>
        Run(Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(id, Epochs[id], WantFence: false, WantShutDown: wantShutDown)));

    public TopicImage CreateTopic(string name, int partitions, short rf, IReadOnlyDictionary<string, string>? configs = null)
    {
        var result = Run(Controller.CreateTopics([new CreatableTopic(name, partitions, rf, Configs: configs)]));
        Assert.Equal(ErrorCode.None, result[0].Error);
        return Image.GetTopic(name)!;
    }

    public PartitionRegistration Partition(string topic, int p) => Image.GetTopic(topic)!.Partitions[p];

    /// <summary>The partition leader reports a new ISR.</summary>
    public AlterPartitionResult AlterIsr(string topic, int partition, params int[] isr)
    {
        var t = Image.GetTopic(topic)!;
        var p = t.Partitions[partition];
        return Run(Controller.AlterPartition(new AlterPartitionRequest(p.Leader, Epochs[p.Leader],
            [new AlterPartitionItem(t.Id, partition, p.LeaderEpoch, isr, p.PartitionEpoch)])))[0];
    }

    /// <summary>Advances time, then heartbeats from the given brokers only, then ticks.</summary>
    public int Advance(TimeSpan by, params int[] alive)
    {
        Time.Advance(by);
        foreach (var id in alive) Heartbeat(id);
        return Run(Controller.Tick());
    }
}
