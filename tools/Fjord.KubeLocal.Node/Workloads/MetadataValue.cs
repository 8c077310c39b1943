namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>Reads one label or annotation from the models' nullable dictionaries. Pure; any thread.</summary>
internal static class MetadataValue
{
    public static string? Get(IDictionary<string, string>? values, string key) =>
        values is not null && values.TryGetValue(key, out var value) ? value : null;
}
