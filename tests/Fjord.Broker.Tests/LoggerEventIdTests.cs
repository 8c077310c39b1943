using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Tests;

/// <summary>Every <c>[LoggerMessage]</c> event id of the broker process names one log line, so a dashboard or alert that filters on it means one thing.</summary>
public sealed class LoggerEventIdTests
{
    [Fact]
    public void LoggerMessages_InEveryAssemblyOfTheBroker_HaveUniqueEventIds()
    {
        var messages = BrokerAssemblies()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is { EventId: >= 0 })
            .ToList();

        Assert.True(messages.Count > 100, $"found only {messages.Count} [LoggerMessage] methods: the scan misses assemblies");
        var duplicates = messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}"))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "event ids used more than once:\n" + string.Join('\n', duplicates));
    }

    /// <summary>The broker's own assembly and every Fjord assembly it references, directly or not.</summary>
    private static List<Assembly> BrokerAssemblies()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(Fjord.Broker.Hosting.BrokerHost).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.TryAdd(assembly.GetName().Name!, assembly)) continue;
            foreach (var reference in assembly.GetReferencedAssemblies())
                if (reference.Name!.StartsWith("Fjord.", StringComparison.Ordinal) && !found.ContainsKey(reference.Name)) pending.Push(Assembly.Load(reference));
        }
        Assert.Contains("Fjord.Storage", found.Keys);
        return [.. found.Values];
    }
}
