using System.Reflection;
using Fjord.Protocol.Messages;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>Every generated top-level message type and its version range, found by reflection (tests only).</summary>
internal static class MessageCatalog
{
    public static IReadOnlyList<Type> MessageTypes { get; } = typeof(ApiMessages).Assembly.GetTypes()
        .Where(t => t.Namespace == "Fjord.Protocol.Messages" && !t.IsNested && typeof(IProtocolMessage).IsAssignableFrom(t))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static Type Find(string name) => MessageTypes.Single(t => t.Name == name);

    public static (short Lowest, short Highest) Versions(Type type) =>
        ((short)type.GetField("LowestSupportedVersion")!.GetValue(null)!,
         (short)type.GetField("HighestSupportedVersion")!.GetValue(null)!);

    public static IProtocolMessage Create(Type type) => (IProtocolMessage)Activator.CreateInstance(type)!;

    /// <summary>(message name, version) for every version of every message.</summary>
    public static TheoryData<string, short> AllVersions()
    {
        var data = new TheoryData<string, short>();
        foreach (var type in MessageTypes)
        {
            var (lowest, highest) = Versions(type);
            for (short v = lowest; v <= highest; v++)
            {
                data.Add(type.Name, v);
            }
        }

        return data;
    }
}
