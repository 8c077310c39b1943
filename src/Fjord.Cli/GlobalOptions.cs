using System.CommandLine;

namespace Fjord.Cli;

/// <summary>Options every command accepts (declared recursive on the root command).</summary>
public static class GlobalOptions
{
    public static readonly Option<string> BootstrapServer = new("--bootstrap-server", "-b")
    {
        Description = "Kafka bootstrap servers, host:port[,host:port]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FJORD_BOOTSTRAP_SERVER") ?? "localhost:9092",
        Recursive = true,
    };

    public static readonly Option<double> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for the broker before giving up",
        DefaultValueFactory = _ => 10,
        Recursive = true,
    };

    public static readonly Option<string[]> ClientConfig = new("--command-config", "-X")
    {
        Description = "Extra librdkafka client properties, key=value (repeatable)",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>-o text|json for read commands.</summary>
    public static Option<string> Output()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "Output format: text (tables) or json",
            DefaultValueFactory = _ => "text",
        };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }
}
