using System.Collections.Frozen;
using System.Globalization;

namespace Fjord.Storage;

/// <summary>
/// The value of the topic configs <c>leader.replication.throttled.replicas</c> and
/// <c>follower.replication.throttled.replicas</c> (KIP-73): empty (nothing throttled), <c>*</c> (every replica of
/// the topic) or <c>partition:broker,...</c> pairs naming the replicas whose replication traffic the broker-level
/// <c>leader.replication.throttled.rate</c> / <c>follower.replication.throttled.rate</c> limit. Equal by value, so
/// an unchanged config compares equal. Immutable; thread-safe.
/// </summary>
public sealed class ThrottledReplicaList : IEquatable<ThrottledReplicaList>
{
    private readonly FrozenSet<(int Partition, int Broker)> _pairs;

    private ThrottledReplicaList(string value, bool all, FrozenSet<(int, int)> pairs)
    {
        Value = value;
        All = all;
        _pairs = pairs;
    }

    /// <summary>Nothing throttled (Kafka's default, the empty string).</summary>
    public static ThrottledReplicaList None { get; } = new("", false, FrozenSet<(int, int)>.Empty);

    /// <summary>The config value as set.</summary>
    public string Value { get; }

    /// <summary>True for <c>*</c>: every replica of the topic.</summary>
    public bool All { get; }

    public bool IsEmpty => !All && _pairs.Count == 0;

    /// <summary>Whether the replica of <paramref name="partition"/> on broker <paramref name="brokerId"/> is listed.</summary>
    public bool Contains(int partition, int brokerId) => All || _pairs.Contains((partition, brokerId));

    /// <summary>Parses a config value the way Kafka's ThrottledReplicaListValidator accepts it.</summary>
    /// <exception cref="LogConfigException">Not empty, <c>*</c>, or a list of <c>partition:broker</c> pairs.</exception>
    public static ThrottledReplicaList Parse(string key, string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Length == 0) return None;
        if (trimmed == "*") return new ThrottledReplicaList("*", true, FrozenSet<(int, int)>.Empty);
        var pairs = new HashSet<(int, int)>();
        foreach (var entry in trimmed.Split(','))
        {
            var parts = entry.Trim().Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var broker))
            {
                throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
            }
            pairs.Add((partition, broker));
        }
        return new ThrottledReplicaList(trimmed, false, pairs.ToFrozenSet());
    }

    public bool Equals(ThrottledReplicaList? other) => other is not null && Value == other.Value;

    public override bool Equals(object? obj) => obj is ThrottledReplicaList other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Value;
}
