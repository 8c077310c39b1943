namespace Fjord.Broker.Topics;

/// <summary>Kafka's legal topic names: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". Thread-safe.</summary>
public static class TopicNameRules
{
    public const int MaxLength = 249;

    /// <summary>Returns null for a legal name, else the reason it is not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is empty";
        }

        if (name is "." or "..")
        {
            return $"Topic name cannot be '{name}'";
        }

        if (name.Length > MaxLength)
        {
            return $"Topic name is longer than {MaxLength} characters";
        }

        foreach (var c in name)
        {
            var legal = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
            if (!legal)
            {
                return $"Topic name '{name}' is illegal: it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
            }
        }

        return null;
    }
}
