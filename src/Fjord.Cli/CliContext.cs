using System.CommandLine;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.Cli;

/// <summary>
/// Per-invocation settings drawn from the global options, and the factories for Confluent.Kafka
/// clients built from them. Cold path; one instance per command run.
/// </summary>
public sealed class CliContext
{
    private CliContext(string bootstrapServers, TimeSpan timeout, IReadOnlyList<KeyValuePair<string, string>> extra)
    {
        BootstrapServers = bootstrapServers;
        Timeout = timeout;
        Extra = extra;
    }

    public string BootstrapServers { get; }

    public TimeSpan Timeout { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; }

    public static CliContext From(ParseResult parse)
    {
        var seconds = parse.GetValue(GlobalOptions.Timeout);
        if (seconds <= 0)
        {
            throw CliException.BadArguments("--timeout must be a positive number of seconds");
        }

        var extra = new List<KeyValuePair<string, string>>();
        foreach (var pair in parse.GetValue(GlobalOptions.ClientConfig) ?? [])
        {
            extra.Add(KeyValue.Parse(pair, "--command-config"));
        }

        return new CliContext(parse.GetValue(GlobalOptions.BootstrapServer)!, TimeSpan.FromSeconds(seconds), extra);
    }

    /// <summary>
    /// Fails fast with exit code 3 when no bootstrap server accepts a TCP connection: librdkafka
    /// would otherwise retry quietly until the timeout and report a generic timeout.
    /// </summary>
    public void EnsureReachable()
    {
        var errors = new List<string>();
        foreach (var server in BootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = SplitHostPort(server);
            try
            {
                using var client = new TcpClient();
                using var cts = new CancellationTokenSource(Timeout < TimeSpan.FromSeconds(5) ? Timeout : TimeSpan.FromSeconds(5));
                client.ConnectAsync(host, port, cts.Token).AsTask().GetAwaiter().GetResult();
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                errors.Add($"{server}: {(e is SocketException se ? se.Message : "connect timed out")}");
            }
        }

        throw CliException.Unreachable($"cannot reach broker at {BootstrapServers} ({string.Join("; ", errors)})");
    }

    internal static (string Host, int Port) SplitHostPort(string server)
    {
        var colon = server.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port) || port is <= 0 or > 65535)
        {
            throw CliException.BadArguments($"--bootstrap-server '{server}' is not host:port");
        }

        return (server[..colon].Trim('[', ']'), port);
    }

    private T Apply<T>(T config)
        where T : ClientConfig
    {
        config.BootstrapServers = BootstrapServers;
        config.SocketTimeoutMs = (int)Math.Max(Timeout.TotalMilliseconds, 1000);
        config.LogConnectionClose = false;
        foreach (var (key, value) in Extra)
        {
            config.Set(key, value);
        }

        return config;
    }

    public IAdminClient CreateAdmin()
    {
        EnsureReachable();
        return new AdminClientBuilder(Apply(new AdminClientConfig()))
            .SetLogHandler((_, _) => { })
            .Build();
    }

    public ProducerConfig ProducerConfig() => Apply(new ProducerConfig());

    public ConsumerConfig ConsumerConfig() => Apply(new ConsumerConfig());

    /// <summary>Admin request options carrying --timeout.</summary>
    public T Request<T>(T options)
    {
        switch (options)
        {
            case DescribeClusterOptions o: o.RequestTimeout = Timeout; break;
            case DescribeTopicsOptions o: o.RequestTimeout = Timeout; break;
            case DescribeConfigsOptions o: o.RequestTimeout = Timeout; break;
            case CreateTopicsOptions o: o.RequestTimeout = Timeout; o.OperationTimeout = Timeout; break;
            case DeleteTopicsOptions o: o.RequestTimeout = Timeout; o.OperationTimeout = Timeout; break;
            case CreatePartitionsOptions o: o.RequestTimeout = Timeout; o.OperationTimeout = Timeout; break;
            case IncrementalAlterConfigsOptions o: o.RequestTimeout = Timeout; break;
            case ListConsumerGroupsOptions o: o.RequestTimeout = Timeout; break;
            case DescribeConsumerGroupsOptions o: o.RequestTimeout = Timeout; break;
            case ListConsumerGroupOffsetsOptions o: o.RequestTimeout = Timeout; break;
            case AlterConsumerGroupOffsetsOptions o: o.RequestTimeout = Timeout; break;
            case DeleteGroupsOptions o: o.RequestTimeout = Timeout; break;
            case ElectLeadersOptions o: o.RequestTimeout = Timeout; o.OperationTimeout = Timeout; break;
            case ListOffsetsOptions o: o.RequestTimeout = Timeout; break;
        }

        return options;
    }
}
