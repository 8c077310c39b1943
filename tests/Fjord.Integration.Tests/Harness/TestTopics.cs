namespace Fjord.Integration.Tests.Harness;

/// <summary>Unique topic names, so tests sharing a broker never see each other's data.</summary>
public static class TestTopics
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 249)];
}
