using System.Globalization;
using System.Text;
using Fjord.Protocol.Records;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// What one client instance is asked to push: the union of the metric prefixes of every subscription it matches
/// (<c>""</c> alone when one of them says <c>*</c>; none when it matches none, so the client pushes nothing), the
/// shortest of their intervals (the default when none matches), and the subscription id that names this answer.
/// Immutable; safe on any thread.
/// </summary>
public sealed record ClientSubscription(int Id, IReadOnlyList<string> RequestedMetrics, int PushIntervalMs)
{
    /// <summary>True when the client is asked for nothing: telemetry is off for it.</summary>
    public bool IsEmpty => RequestedMetrics.Count == 0;

    /// <summary>Resolves what <paramref name="client"/> pushes under <paramref name="subscriptions"/>.</summary>
    public static ClientSubscription For(IReadOnlyList<ClientMetricsSubscription> subscriptions, ClientIdentity client)
    {
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        var interval = int.MaxValue;
        var all = false;
        foreach (var subscription in subscriptions)
        {
            if (subscription.Metrics.Count == 0 || !subscription.Matches(client)) continue;
            interval = Math.Min(interval, subscription.IntervalMs);
            foreach (var prefix in subscription.Metrics)
            {
                if (prefix == ClientMetricsConfigs.AllMetrics) all = true;
                else prefixes.Add(prefix);
            }
        }
        IReadOnlyList<string> metrics = all ? [""] : [.. prefixes];
        var pushInterval = interval == int.MaxValue ? ClientMetricsConfigs.DefaultIntervalMs : interval;
        return new(IdOf(metrics, pushInterval, client), metrics, pushInterval);
    }

    /// <summary>
    /// True when <paramref name="metricName"/> is one the client was asked for (a push may carry more; those are
    /// not exported).
    /// </summary>
    public bool Requests(string metricName)
    {
        foreach (var prefix in RequestedMetrics)
        {
            if (metricName.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    // KIP-714: the id changes whenever what the client must push changes, so a push made under an older answer is
    // refused with UNKNOWN_SUBSCRIPTION_ID and the client asks again. Mixing in the instance id keeps ids of
    // different clients apart, as Kafka does.
    private static int IdOf(IReadOnlyList<string> metrics, int pushIntervalMs, ClientIdentity client)
    {
        var text = string.Join(",", metrics) + "|" + pushIntervalMs.ToString(CultureInfo.InvariantCulture) + "|" + client.InstanceId;
        return unchecked((int)Crc32C.Compute(Encoding.UTF8.GetBytes(text)));
    }
}
