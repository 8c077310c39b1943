using System.Globalization;
using System.Net;

namespace Fjord.Broker.Configuration;

/// <summary>
/// The broker's effective, validated configuration: node settings and Kafka broker configs.
/// Built once at startup by <see cref="Create"/>; immutable and thread-safe afterwards.
/// </summary>
public sealed class BrokerConfig
{
    private readonly Dictionary<string, string> _values;

    private BrokerConfig(Dictionary<string, string> values, IReadOnlyList<string> unknownKeys, IReadOnlySet<string> explicitKeys)
    {
        _values = values;
        UnknownKeys = unknownKeys;
        ExplicitKeys = explicitKeys;
        NodeId = GetInt("node.id");
        DataDir = Path.GetFullPath(GetString("data.dir"));
        KafkaListen = ParseEndpoint("kafka.listen");
        KafkaAdvertised = GetString("kafka.advertised") is { Length: > 0 } ? ParseEndpoint("kafka.advertised") : KafkaListen;
        HttpListen = ParseEndpoint("http.listen");
        RpcAdvertised = GetString("rpc.advertised") is { Length: > 0 } ? ParseEndpoint("rpc.advertised").ToString() : GetString("rpc.listen");
        Rack = GetString("broker.rack") is { Length: > 0 } rack ? rack : null;
        JsonLogs = GetString("log.format") == "json";
    }

    public int NodeId { get; }

    public string DataDir { get; }

    public HostPort KafkaListen { get; }

    public HostPort KafkaAdvertised { get; }

    /// <summary><c>rpc.advertised</c>, or <c>rpc.listen</c> when unset: where the quorum dials a node that joined it.</summary>
    public string RpcAdvertised { get; }

    public HostPort HttpListen { get; }

    public string? Rack { get; }

    public bool JsonLogs { get; }

    /// <summary>Keys that were set but that Fjord does not know; logged as warnings at startup, like Kafka.</summary>
    public IReadOnlyList<string> UnknownKeys { get; }

    /// <summary>Keys set by the operator (file, environment or command line) rather than defaulted.</summary>
    public IReadOnlySet<string> ExplicitKeys { get; }

    public bool AutoCreateTopics => GetBool("auto.create.topics.enable");

    public bool DeleteTopicEnable => GetBool("delete.topic.enable");

    public int NumPartitions => GetInt("num.partitions");

    public short DefaultReplicationFactor => (short)GetInt("default.replication.factor");

    public int SocketRequestMaxBytes => GetInt("socket.request.max.bytes");

    public int OffsetsTopicNumPartitions => GetInt("offsets.topic.num.partitions");

    /// <summary>KIP-392: <c>replica.selector.class</c> names the rack-aware selector (Kafka's class or its short name).</summary>
    public bool RackAwareReplicaSelector =>
        GetString("replica.selector.class") is BrokerConfigDefinitions.RackAwareReplicaSelectorClass or BrokerConfigDefinitions.RackAwareReplicaSelectorAlias;

    public static BrokerConfig Create(IReadOnlyDictionary<string, string> settings)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in BrokerConfigDefinitions.All)
        {
            if (definition.Default is not null)
            {
                values[definition.Name] = definition.Default;
            }
        }

        var unknown = new List<string>();
        var explicitKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rawKey, value) in settings)
        {
            var key = NormalizeAlias(rawKey, value, out var normalizedValue);
            if (!BrokerConfigDefinitions.TryGet(key, out var definition))
            {
                unknown.Add(rawKey);
                continue;
            }

            if (definition.Validate(normalizedValue) is { } error)
            {
                throw new ConfigException($"invalid broker config: {error}");
            }

            values[key] = normalizedValue;
            explicitKeys.Add(key);
        }

        return new BrokerConfig(values, unknown, explicitKeys);
    }

    /// <summary>
    /// Kafka's retention hours/minutes spellings become log.retention.ms; Fjord's <c>--rack</c> (key <c>rack</c>) is
    /// Kafka's <c>broker.rack</c>.
    /// </summary>
    private static string NormalizeAlias(string key, string value, out string normalizedValue)
    {
        normalizedValue = value;
        if (key == "rack")
        {
            return "broker.rack";
        }

        var factor = key switch { "log.retention.hours" => 3_600_000L, "log.retention.minutes" => 60_000L, _ => 0L };
        if (factor == 0)
        {
            return key;
        }

        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var amount))
        {
            throw new ConfigException($"invalid broker config: {key} must be an integer, got '{value}'");
        }

        normalizedValue = (amount < 0 ? -1 : amount * factor).ToString(CultureInfo.InvariantCulture);
        return "log.retention.ms";
    }

    public string GetString(string key) => _values.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public int GetInt(string key) => int.Parse(GetString(key), CultureInfo.InvariantCulture);

    public long GetLong(string key) => long.Parse(GetString(key), CultureInfo.InvariantCulture);

    public bool GetBool(string key) => GetString(key) == "true";

    public bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);

    private HostPort ParseEndpoint(string key)
    {
        var text = GetString(key);
        return HostPort.TryParse(text, out var endpoint) ? endpoint : throw new ConfigException($"{key}: expected host:port, got '{text}'");
    }
}

/// <summary>A host and port as written in configs ("127.0.0.1:9092", "[::1]:9092", "broker-0.fjord:9092").</summary>
public readonly record struct HostPort(string Host, int Port)
{
    public static bool TryParse(string text, out HostPort value)
    {
        value = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        value = new HostPort(host, port);
        return host.Length > 0;
    }

    /// <summary>The address to bind: an IP as given, any address for 0.0.0.0/::, loopback for localhost.</summary>
    public IPEndPoint ToBindEndPoint() =>
        IPAddress.TryParse(Host, out var ip) ? new IPEndPoint(ip, Port)
        : Host == "localhost" ? new IPEndPoint(IPAddress.Loopback, Port)
        : new IPEndPoint(IPAddress.Any, Port);

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
