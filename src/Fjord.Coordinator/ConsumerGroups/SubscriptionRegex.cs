using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// KIP-848 regular-expression subscriptions (<c>SubscribedTopicRegex</c>). Kafka evaluates them with
/// RE2/J; Fjord uses .NET's <see cref="RegexOptions.NonBacktracking"/> engine, which like RE2 runs in
/// linear time and refuses what RE2 lacks (backreferences, lookaround, atomic groups, conditionals), so
/// such patterns answer INVALID_REGULAR_EXPRESSION as they do in Kafka. Supported: literals, <c>.</c>,
/// classes (<c>[a-z]</c>, <c>\d</c>, <c>\w</c>, <c>\s</c>, negations), anchors, alternation, groups
/// (capturing and <c>(?:)</c>), quantifiers (<c>* + ? {n,m}</c>, lazy forms) and inline flags such as
/// <c>(?i)</c>. Differences from RE2: RE2's <c>\pN</c>-style one-letter Unicode classes, <c>\C</c>, <c>\z</c>
/// and POSIX classes (<c>[[:alpha:]]</c>) are not understood. A pattern must match the whole topic name
/// (RE2J's <c>matches()</c>), and internal topics never match. Thread-safe: compiled patterns are cached.
/// </summary>
public static class SubscriptionRegex
{
    private const int MaxCached = 1024;
    private static readonly ConcurrentDictionary<string, Regex?> s_cache = new(StringComparer.Ordinal);

    /// <summary>The compiled pattern, or null when it is not a valid RE2-style expression.</summary>
    public static Regex? TryCompile(string pattern)
    {
        if (s_cache.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        Regex? compiled;
        try
        {
            // Compiled alone first: a stray ')' could otherwise close the anchoring group and still parse.
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            compiled = new Regex("^(?:" + pattern + ")$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            compiled = null;
        }
        catch (NotSupportedException)
        {
            compiled = null;
        }

        if (s_cache.Count < MaxCached)
        {
            s_cache[pattern] = compiled;
        }

        return compiled;
    }

    public static bool IsValid(string pattern) => pattern.Length > 0 && TryCompile(pattern) is not null;
}
