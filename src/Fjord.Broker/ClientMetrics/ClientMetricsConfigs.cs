using System.Globalization;
using System.Text.RegularExpressions;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// The configs of a CLIENT_METRICS config resource (KIP-714; Kafka's ClientMetricsConfigs), one resource per named
/// subscription, stored as ConfigRecords in the metadata log like topic configs:
/// - <c>metrics</c>: comma-separated metric name prefixes; <c>*</c> means all; empty (the default) means none.
/// - <c>interval.ms</c>: how often matching clients push, 100 ms to 1 hour, default 5 minutes.
/// - <c>match</c>: comma-separated <c>selector=regex</c> pairs, all of which must match the whole value; empty
///   matches every client. Selectors: <see cref="MatchSelectors"/>.
/// Stateless; safe on any thread.
/// </summary>
public static class ClientMetricsConfigs
{
    public const string Metrics = "metrics";
    public const string IntervalMs = "interval.ms";
    public const string Match = "match";

    public const int DefaultIntervalMs = 300_000;
    public const int MinIntervalMs = 100;
    public const int MaxIntervalMs = 3_600_000;

    /// <summary>The prefix meaning every metric; it goes on the wire as the empty prefix (KIP-714).</summary>
    public const string AllMetrics = "*";

    public const string ClientInstanceId = "client_instance_id";
    public const string ClientId = "client_id";
    public const string ClientSoftwareName = "client_software_name";
    public const string ClientSoftwareVersion = "client_software_version";
    public const string ClientSourceAddress = "client_source_address";
    public const string ClientSourcePort = "client_source_port";

    /// <summary>What a <c>match</c> entry may select on.</summary>
    public static readonly IReadOnlySet<string> MatchSelectors = new HashSet<string>(StringComparer.Ordinal)
    {
        ClientInstanceId, ClientId, ClientSoftwareName, ClientSoftwareVersion, ClientSourceAddress, ClientSourcePort,
    };

    /// <summary>Every config a CLIENT_METRICS resource accepts, as DescribeConfigs lists them.</summary>
    public static readonly IReadOnlyList<ConfigDefinition> All =
    [
        new(Metrics, ConfigType.List, "", "Metric name prefixes matching clients push; * for all, empty for none"),
        new(IntervalMs, ConfigType.Int, DefaultIntervalMs.ToString(CultureInfo.InvariantCulture), "How often matching clients push, in milliseconds",
            Min: MinIntervalMs, Max: MaxIntervalMs),
        new(Match, ConfigType.List, "", "selector=regex pairs a client must all match (selectors: " + string.Join(", ", MatchSelectors) + "); empty matches every client"),
    ];

    public static bool TryGet(string name, out ConfigDefinition definition)
    {
        definition = All.FirstOrDefault(d => d.Name == name)!;
        return definition is not null;
    }

    /// <summary>Why <paramref name="value"/> is not valid for <paramref name="name"/>, or null when it is.</summary>
    public static string? Validate(string name, string value)
    {
        if (!TryGet(name, out var definition)) return $"Unknown client metrics config name: {name}";
        if (definition.Validate(value) is { } invalid) return invalid;
        return name == Match && ParseMatch(value, out var error) is null ? error : null;
    }

    /// <summary>The subscription a resource's configs describe; null (with the reason) when they do not parse.</summary>
    public static ClientMetricsSubscription? Parse(string name, IReadOnlyDictionary<string, string> configs, out string? error)
    {
        error = null;
        var interval = DefaultIntervalMs;
        if (configs.TryGetValue(IntervalMs, out var intervalText))
        {
            if ((error = Validate(IntervalMs, intervalText)) is not null) return null;
            interval = int.Parse(intervalText, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        var match = ParseMatch(configs.GetValueOrDefault(Match, ""), out error);
        if (match is null) return null;
        var metrics = SplitList(configs.GetValueOrDefault(Metrics, ""));
        return new ClientMetricsSubscription(name, metrics, interval, match);
    }

    private static IReadOnlyList<KeyValuePair<string, Regex>>? ParseMatch(string value, out string? error)
    {
        error = null;
        var patterns = new List<KeyValuePair<string, Regex>>();
        foreach (var entry in SplitList(value))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var selector = equals < 0 ? entry : entry[..equals].Trim();
            if (equals < 0 || !MatchSelectors.Contains(selector))
            {
                error = $"Invalid match entry '{entry}': expected one of {string.Join(", ", MatchSelectors)} followed by =regex";
                return null;
            }
            try
            {
                // Kafka matches with java.util.regex.Pattern.matches: the whole value, not a substring.
                patterns.Add(new(selector, new Regex($"^(?:{entry[(equals + 1)..].Trim()})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))));
            }
            catch (ArgumentException ex)
            {
                error = $"Invalid regular expression in match entry '{entry}': {ex.Message}";
                return null;
            }
        }
        return patterns;
    }

    private static string[] SplitList(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
