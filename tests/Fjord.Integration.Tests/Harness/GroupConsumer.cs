using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// One consumer on its own thread: polls, records what it consumed and which partitions it owns, and
/// checks on every assignment change that no other live member of the test owns the same partition.
/// </summary>
public sealed class GroupConsumer
{
    private static readonly ConcurrentDictionary<int, string> s_owners = new();
    private readonly IConsumer<Ignore, string> _consumer;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<string, int> _consumed;
    private volatile bool _stop;

    private GroupConsumer(string name, IConsumer<Ignore, string> consumer, ConcurrentDictionary<string, int> consumed)
    {
        Name = name;
        _consumer = consumer;
        _consumed = consumed;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public string Name { get; }

    public bool Closed { get; private set; }

    public IReadOnlyCollection<int> Owned => _owned.Keys.ToList();

    public ConcurrentQueue<string> Overlaps { get; } = new();

    private readonly ConcurrentDictionary<int, bool> _owned = new();

    public static GroupConsumer Start(BrokerProcess broker, string group, string topic, string name, ConcurrentDictionary<string, int> consumed, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            ClientId = name,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 200,
        };
        configure?.Invoke(config);
        GroupConsumer? member = null;
        var consumer = new ConsumerBuilder<Ignore, string>(config)
            .SetPartitionsAssignedHandler((_, partitions) => member!.OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => member!.OnRevoked(partitions.Select(p => p.TopicPartition), "revoked"))
            .SetPartitionsLostHandler((_, partitions) => member!.OnRevoked(partitions.Select(p => p.TopicPartition), "lost"))
            .Build();
        member = new GroupConsumer(name, consumer, consumed);
        consumer.Subscribe(topic);
        member._thread.Start();
        return member;
    }

    public void Close()
    {
        if (Closed)
        {
            return;
        }

        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(30));
        Closed = true;
        _consumer.Dispose();
    }

    /// <summary>Every member's assignment changes in order, for failure messages.</summary>
    public static ConcurrentQueue<string> Journal { get; } = new();

    private void Note(string what, IEnumerable<TopicPartition> partitions) =>
        Journal.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {Name} {what} [{string.Join(",", partitions.Select(p => p.Partition.Value))}]");

    private void OnAssigned(IEnumerable<TopicPartition> partitions)
    {
        Note("assigned", partitions);
        foreach (var partition in partitions)
        {
            if (!s_owners.TryAdd(OwnerKey(partition), Name) && s_owners.TryGetValue(OwnerKey(partition), out var other) && other != Name)
            {
                Overlaps.Enqueue($"{Name} got {partition} while {other} owns it");
            }

            s_owners[OwnerKey(partition)] = Name;
            _owned[partition.Partition.Value] = true;
        }
    }

    private void OnRevoked(IEnumerable<TopicPartition> partitions, string how)
    {
        Note(how, partitions);
        foreach (var partition in partitions)
        {
            _owned.TryRemove(partition.Partition.Value, out _);
            s_owners.TryRemove(new KeyValuePair<int, string>(OwnerKey(partition), Name));
        }
    }

    private static int OwnerKey(TopicPartition partition) => HashCode.Combine(partition.Topic, partition.Partition.Value);

    private void Run()
    {
        try
        {
            while (!_stop)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is { IsPartitionEOF: false, Message: not null })
                {
                    _consumed.AddOrUpdate(result.Message.Value, 1, (_, n) => n + 1);
                }
            }

            _consumer.Close();
        }
        catch (Exception ex)
        {
            Overlaps.Enqueue($"{Name} failed: {ex.Message}");
        }
    }

    /// <summary>Partitions the live members own in all.</summary>
    public static int AssignedCount(IEnumerable<GroupConsumer> members) => members.Where(m => !m.Closed).Sum(m => m.Owned.Count);

    /// <summary>Every partition owned once, and every live member owns the same number.</summary>
    public static bool Balanced(IReadOnlyList<GroupConsumer> members, int partitions)
    {
        var live = members.Where(m => !m.Closed).ToList();
        var all = live.SelectMany(m => m.Owned).ToList();
        var per = partitions / live.Count;
        return all.Count == partitions && all.Distinct().Count() == partitions && live.All(m => m.Owned.Count == per);
    }

    public static string Describe(IEnumerable<GroupConsumer> members) =>
        string.Join(" | ", members.Select(m => $"{m.Name}{(m.Closed ? "(closed)" : "")}=[{string.Join(",", m.Owned.Order())}]"));
}
