namespace Fjord.Cli;

/// <summary>Parses the key=value arguments of --config, --header and --command-config.</summary>
public static class KeyValue
{
    public static KeyValuePair<string, string> Parse(string pair, string option)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            throw CliException.BadArguments($"{option} '{pair}' is not key=value");
        }

        return new(pair[..eq], pair[(eq + 1)..]);
    }

    public static List<KeyValuePair<string, string>> ParseAll(IEnumerable<string>? pairs, string option)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in pairs ?? [])
        {
            result.Add(Parse(pair, option));
        }

        return result;
    }
}
