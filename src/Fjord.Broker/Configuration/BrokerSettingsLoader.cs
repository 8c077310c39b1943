using System.Text;

namespace Fjord.Broker.Configuration;

/// <summary>
/// Builds the broker's flat key=value settings from, in rising precedence: a properties file
/// (<c>--config FILE</c>, Kafka's <c>server.properties</c> syntax), <c>FJORD_</c>-prefixed environment
/// variables, and the command line (options of DESIGN.md and <c>--set key=value</c>).
/// Every command-line option is a dotted key: <c>--node-id 3</c> is <c>node.id=3</c> and
/// <c>FJORD_NODE_ID=3</c>; broker configs keep Kafka's names (<c>FJORD_NUM_PARTITIONS=3</c> is
/// <c>num.partitions=3</c>). Called once at startup on the main thread.
/// </summary>
public static class BrokerSettingsLoader
{
    /// <summary>Options that take a value on the command line, by their dotted key.</summary>
    private static readonly HashSet<string> s_valueOptions = new(StringComparer.Ordinal)
    {
        "config", "node.id", "data.dir", "kafka.listen", "kafka.advertised", "rpc.listen", "rpc.advertised",
        "http.listen", "voters", "rack", "log.format",
    };

    public static Dictionary<string, string> Load(string[] args, IDictionary<string, string?> environment)
    {
        var commandLine = ParseCommandLine(args);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);

        if (commandLine.TryGetValue("config", out var configFile) || environment.TryGetValue("FJORD_CONFIG", out configFile))
        {
            if (string.IsNullOrEmpty(configFile) || !File.Exists(configFile))
            {
                throw new ConfigException($"config file '{configFile}' does not exist");
            }

            foreach (var (key, value) in ParseProperties(File.ReadAllText(configFile), configFile))
            {
                settings[key] = value;
            }
        }

        foreach (var (name, value) in environment)
        {
            if (name.StartsWith("FJORD_", StringComparison.Ordinal) && name != "FJORD_CONFIG" && value is not null)
            {
                settings[name["FJORD_".Length..].ToLowerInvariant().Replace('_', '.')] = value;
            }
        }

        foreach (var (key, value) in commandLine)
        {
            if (key != "config")
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private static Dictionary<string, string> ParseCommandLine(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ConfigException($"unexpected argument '{arg}' (options start with --; see --help)");
            }

            var name = arg[2..];
            string? inlineValue = null;
            var equals = name.IndexOf('=');
            if (equals >= 0 && name != "set")
            {
                inlineValue = name[(equals + 1)..];
                name = name[..equals];
            }

            if (name == "set")
            {
                if (i + 1 >= args.Length)
                {
                    throw new ConfigException("--set needs key=value");
                }

                var pair = args[++i];
                var eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    throw new ConfigException($"--set '{pair}': expected key=value");
                }

                result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
                continue;
            }

            var key = name.Replace('-', '.');
            if (!s_valueOptions.Contains(key))
            {
                throw new ConfigException($"unknown option '--{name}' (see --help)");
            }

            var value = inlineValue ?? (i + 1 < args.Length ? args[++i] : throw new ConfigException($"--{name} needs a value"));
            result[key] = value;
        }

        return result;
    }

    /// <summary>Parses Java-properties text: key=value or key: value lines, # and ! comments.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseProperties(string text, string source)
    {
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#' || line[0] == '!')
            {
                continue;
            }

            var separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                throw new ConfigException($"{source}:{lineNumber}: expected key=value, got '{line}'");
            }

            yield return new(line[..separator].Trim(), line[(separator + 1)..].Trim());
        }
    }

    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("fjord-broker — a Kafka-compatible streaming broker");
        text.AppendLine();
        text.AppendLine("usage: fjord-broker [--config FILE] [--node-id N] [--data-dir DIR]");
        text.AppendLine("                    [--kafka-listen H:P] [--kafka-advertised H:P] [--rpc-listen H:P] [--http-listen H:P]");
        text.AppendLine("                    [--voters ID@HOST:RPCPORT,...] [--rack NAME] [--log-format text|json]");
        text.AppendLine("                    [--set key=value ...]");
        text.AppendLine();
        text.AppendLine("Every option is also a key in the config file (node.id, data.dir, kafka.listen, ...) and an");
        text.AppendLine("environment variable (FJORD_NODE_ID, FJORD_DATA_DIR, ...). Broker configs use Kafka's names:");
        text.AppendLine("--set num.partitions=3, FJORD_AUTO_CREATE_TOPICS_ENABLE=false.");
        return text.ToString();
    }
}
