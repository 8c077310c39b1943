using System.Globalization;
using System.Text;
using Fjord.Protocol;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// The client metrics the broker exports on <c>/metrics</c>: the last value of every pushed gauge and sum per client
/// instance, as Prometheus gauges <c>fjord_client_&lt;name&gt;</c> labelled with the client's identity and the data
/// point's attributes. Cardinality is bounded: at most <see cref="MaxInstances"/> client instances and
/// <see cref="MaxSeriesPerInstance"/> series each (points past either cap are dropped and counted in
/// <see cref="DroppedPoints"/>), and an instance's series expire <see cref="ExpiryIntervals"/> push intervals after
/// its last push, or at once when its subscription ends. Thread-safe (one lock; pushes come every few seconds
/// per client, scrapes every few seconds).
/// </summary>
public sealed class ClientMetricsSeries(TimeProvider time)
{
    public const int MaxInstances = 1_000;
    public const int MaxSeriesPerInstance = 500;
    public const int ExpiryIntervals = 3;
    public const string FamilyPrefix = "fjord_client_";

    // KIP-714 names every standard client metric under this namespace; without it the series read like Fjord's own.
    private const string KafkaMetricNamespace = "org.apache.kafka.";

    private readonly Lock _lock = new();
    private readonly Dictionary<Uuid, InstanceSeries> _instances = [];
    private long _droppedPoints;

    /// <summary>Points not exported because a cap was reached, since the broker started.</summary>
    public long DroppedPoints => Interlocked.Read(ref _droppedPoints);

    /// <summary>Client instances with exported series right now.</summary>
    public int Instances
    {
        get
        {
            lock (_lock)
            {
                Expire();
                return _instances.Count;
            }
        }
    }

    /// <summary>Records one push of <paramref name="client"/>, keeping only the metrics its subscription asked for.</summary>
    public void Record(ClientIdentity client, ClientSubscription subscription, IReadOnlyList<ClientMetricPoint> points)
    {
        lock (_lock)
        {
            Expire();
            var now = time.GetUtcNow();
            if (!_instances.TryGetValue(client.InstanceId, out var instance))
            {
                if (_instances.Count >= MaxInstances)
                {
                    Interlocked.Add(ref _droppedPoints, points.Count);
                    return;
                }
                instance = new InstanceSeries();
                _instances[client.InstanceId] = instance;
            }
            instance.Labels = IdentityLabels(client);
            instance.ExpiresAt = now + TimeSpan.FromMilliseconds((double)subscription.PushIntervalMs * ExpiryIntervals);
            foreach (var point in points)
            {
                if (!subscription.Requests(point.Name)) continue;
                var key = SeriesKey(point);
                if (instance.Values.TryGetValue(key, out var existing))
                {
                    instance.Values[key] = existing with { Value = point.IsDelta ? existing.Value + point.Value : point.Value };
                }
                else if (instance.Values.Count >= MaxSeriesPerInstance)
                {
                    Interlocked.Increment(ref _droppedPoints);
                }
                else
                {
                    instance.Values[key] = new(FamilyName(point.Name), AttributeLabels(point.Attributes), point.Value);
                }
            }
        }
    }

    /// <summary>Stops exporting <paramref name="instanceId"/>'s series: its subscription no longer asks for anything.</summary>
    public void Forget(Uuid instanceId)
    {
        lock (_lock) _instances.Remove(instanceId);
    }

    /// <summary>Writes every live series as Prometheus text exposition (gauge families, sorted by name).</summary>
    public void WriteTo(StringBuilder text)
    {
        lock (_lock)
        {
            Expire();
            var families = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var instance in _instances.Values)
            {
                foreach (var series in instance.Values.Values)
                {
                    if (!families.TryGetValue(series.Family, out var samples)) families[series.Family] = samples = [];
                    samples.Add($"{series.Family}{{{instance.Labels}{series.Labels}}} {series.Value.ToString("R", CultureInfo.InvariantCulture)}");
                }
            }
            foreach (var (family, samples) in families)
            {
                text.Append("# TYPE ").Append(family).Append(" gauge\n");
                samples.Sort(StringComparer.Ordinal);
                foreach (var sample in samples) text.Append(sample).Append('\n');
            }
        }
    }

    /// <summary>The Prometheus family an OTLP metric name is exported as.</summary>
    public static string FamilyName(string otlpName)
    {
        var name = otlpName.StartsWith(KafkaMetricNamespace, StringComparison.Ordinal) ? otlpName[KafkaMetricNamespace.Length..] : otlpName;
        return FamilyPrefix + Sanitize(name);
    }

    private void Expire()
    {
        var now = time.GetUtcNow();
        List<Uuid>? expired = null;
        foreach (var (id, instance) in _instances)
        {
            if (instance.ExpiresAt <= now) (expired ??= []).Add(id);
        }
        if (expired is null) return;
        foreach (var id in expired) _instances.Remove(id);
    }

    private static string SeriesKey(ClientMetricPoint point)
    {
        var key = new StringBuilder(point.Name);
        foreach (var (name, value) in point.Attributes) key.Append('\0').Append(name).Append('\0').Append(value);
        return key.ToString();
    }

    private static string IdentityLabels(ClientIdentity client) =>
        $"client_id=\"{Escape(client.ClientId)}\",client_software_name=\"{Escape(client.SoftwareName)}\","
        + $"client_software_version=\"{Escape(client.SoftwareVersion)}\",client_instance_id=\"{client.InstanceId}\"";

    private static string AttributeLabels(IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        var labels = new StringBuilder();
        foreach (var (key, value) in attributes)
        {
            var name = Sanitize(key);
            // The identity labels come from the broker; a client attribute may not overwrite them.
            if (name is "client_id" or "client_software_name" or "client_software_version" or "client_instance_id" || name.StartsWith("__", StringComparison.Ordinal)) continue;
            labels.Append(',').Append(name).Append("=\"").Append(Escape(value)).Append('"');
        }
        return labels.ToString();
    }

    // Prometheus names are [a-zA-Z_][a-zA-Z0-9_]*; OTLP names use dots.
    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i])) chars[i] = '_';
        }
        var sanitized = new string(chars);
        return sanitized.Length == 0 || char.IsAsciiDigit(sanitized[0]) ? "_" + sanitized : sanitized;
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class InstanceSeries
    {
        public string Labels { get; set; } = "";

        public DateTimeOffset ExpiresAt { get; set; }

        public Dictionary<string, ExportedValue> Values { get; } = new(StringComparer.Ordinal);
    }

    private sealed record ExportedValue(string Family, string Labels, double Value);
}
