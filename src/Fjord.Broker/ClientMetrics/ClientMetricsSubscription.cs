using System.Text.RegularExpressions;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// One parsed CLIENT_METRICS resource: which metrics (name prefixes, <c>*</c> for all) clients matching
/// <paramref name="Match"/> push, and how often. Immutable; safe on any thread.
/// </summary>
public sealed record ClientMetricsSubscription(string Name, IReadOnlyList<string> Metrics, int IntervalMs, IReadOnlyList<KeyValuePair<string, Regex>> Match)
{
    /// <summary>True when every match entry matches the client's value for its selector (an empty match matches all).</summary>
    public bool Matches(ClientIdentity client)
    {
        foreach (var (selector, pattern) in Match)
        {
            if (!pattern.IsMatch(client.Selector(selector))) return false;
        }
        return true;
    }
}
