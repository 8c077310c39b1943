using System.Globalization;

namespace Fjord.Broker.Configuration;

/// <summary>Kafka's config value types, with the numbers DescribeConfigs v3+ reports.</summary>
public enum ConfigType : sbyte
{
    Unknown = 0,
    Boolean = 1,
    String = 2,
    Int = 3,
    Short = 4,
    Long = 5,
    Double = 6,
    List = 7,
    Class = 8,
    Password = 9,
}

/// <summary>Where a described config value came from, with the numbers DescribeConfigs v1+ reports.</summary>
public enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
    ClientMetricsConfig = 7,
    GroupConfig = 8,
}

/// <summary>
/// One named config with Kafka's name, type, default and validity rule. Immutable; thread-safe.
/// <see cref="BrokerSynonym"/> names the broker config that supplies a topic config's default
/// (retention.ms falls back to log.retention.ms), as Kafka's DescribeConfigs synonyms show.
/// <see cref="Refusal"/> is the message for a well-formed value outside <see cref="AllowedValues"/> when Kafka words it
/// its own way (remote.storage.enable=true without tiered storage).
/// </summary>
public sealed record ConfigDefinition(
    string Name,
    ConfigType Type,
    string? Default,
    string Documentation,
    string? BrokerSynonym = null,
    long Min = long.MinValue,
    long Max = long.MaxValue,
    IReadOnlyList<string>? AllowedValues = null,
    string? Refusal = null)
{
    /// <summary>Returns null when <paramref name="value"/> is acceptable, else why it is not.</summary>
    public string? Validate(string? value)
    {
        if (value is null)
        {
            return Default is null ? null : $"{Name} may not be null";
        }

        switch (Type)
        {
            case ConfigType.Boolean:
                if (value is not ("true" or "false")) return $"{Name} must be true or false, got '{value}'";
                return AllowedValues is null || AllowedValues.Contains(value) ? null : Refusal ?? $"{Name} must be one of {string.Join(", ", AllowedValues)}, got '{value}'";
            case ConfigType.Int:
            case ConfigType.Short:
            case ConfigType.Long:
                if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                {
                    return $"{Name} must be an integer, got '{value}'";
                }

                var typeMax = Type switch { ConfigType.Int => int.MaxValue, ConfigType.Short => short.MaxValue, _ => long.MaxValue };
                var typeMin = Type switch { ConfigType.Int => int.MinValue, ConfigType.Short => short.MinValue, _ => long.MinValue };
                if (number < Math.Max(Min, typeMin) || number > Math.Min(Max, typeMax))
                {
                    return $"{Name} must be between {Math.Max(Min, typeMin)} and {Math.Min(Max, typeMax)}, got {number}";
                }

                return null;
            case ConfigType.Double:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= Min && d <= Max
                    ? null
                    : $"{Name} must be a number between {Min} and {Max}, got '{value}'";
            case ConfigType.List:
                if (AllowedValues is null)
                {
                    return null;
                }

                foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!AllowedValues.Contains(item))
                    {
                        return $"{Name}: '{item}' is not one of {string.Join(", ", AllowedValues)}";
                    }
                }

                return null;
            default:
                // An empty value is the unset default of configs such as replica.selector.class (Kafka's null class).
                return AllowedValues is null || AllowedValues.Contains(value) || (value.Length == 0 && Default == "")
                    ? null
                    : $"{Name} must be one of {string.Join(", ", AllowedValues)}, got '{value}'";
        }
    }
}
