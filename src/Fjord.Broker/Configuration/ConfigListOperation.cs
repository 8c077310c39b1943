namespace Fjord.Broker.Configuration;

/// <summary>
/// IncrementalAlterConfigs' APPEND and SUBTRACT on a LIST config (KIP-339), applied to the config's current
/// effective value (Kafka falls back to the default when the resource has no value of its own).
/// Stateless; safe on any thread.
/// </summary>
public static class ConfigListOperation
{
    /// <summary>
    /// The comma-separated list after appending (items not yet present, in order) or subtracting
    /// <paramref name="operand"/>'s items from <paramref name="current"/>.
    /// </summary>
    public static string Apply(string? current, string? operand, bool append)
    {
        var items = Split(current);
        var changes = Split(operand);
        if (append)
        {
            foreach (var item in changes)
            {
                if (!items.Contains(item))
                {
                    items.Add(item);
                }
            }
        }
        else
        {
            items.RemoveAll(changes.Contains);
        }

        return string.Join(',', items);
    }

    private static List<string> Split(string? value) =>
        [.. (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
