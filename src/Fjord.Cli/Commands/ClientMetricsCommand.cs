using System.CommandLine;
using Fjord.Cli.Output;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord client-metrics list|set|delete`: KIP-714 subscriptions, the CLIENT_METRICS config resources (type 16) that
/// tell clients which metrics to push and how often (Kafka's kafka-client-metrics.sh). Confluent.Kafka's AdminClient
/// has no such resource type, so fjord sends ListClientMetricsResources, DescribeConfigs and IncrementalAlterConfigs
/// itself.
/// </summary>
public static class ClientMetricsCommand
{
    private const sbyte ClientMetricsResourceType = 16;
    private const sbyte Set = 0, Delete = 1;
    private static readonly string[] s_configs = ["metrics", "interval.ms", "match"];

    public static Command Build()
    {
        var command = new Command("client-metrics", "KIP-714 client metrics subscriptions: which clients push which metrics to the brokers' /metrics");
        command.Subcommands.Add(List());
        command.Subcommands.Add(SetCommand());
        command.Subcommands.Add(DeleteCommand());
        return command;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "Subscriptions with their metrics, interval and match") { output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var client = await KafkaRequestClient.ConnectAsync(context);
            var listed = await client.SendAsync<ListClientMetricsResourcesResponse>(new ListClientMetricsResourcesRequest(), "ListClientMetricsResources");
            ClusterCommand.FailOnError(listed.ErrorCode, null);
            var names = listed.ClientMetricsResources.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
            var rows = new List<(string Name, string Metrics, string Interval, string Match)>();
            if (names.Count > 0)
            {
                var request = new DescribeConfigsRequest { Resources = [.. names.Select(n => new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = ClientMetricsResourceType, ResourceName = n, ConfigurationKeys = null })] };
                var described = await client.SendAsync<DescribeConfigsResponse>(request, "DescribeConfigs");
                foreach (var result in described.Results)
                {
                    ClusterCommand.FailOnError(result.ErrorCode, result.ErrorMessage, $"{result.ResourceName}: ");
                    string Value(string name) => result.Configs.FirstOrDefault(c => c.Name == name)?.Value ?? "";
                    rows.Add((result.ResourceName, Value("metrics"), Value("interval.ms"), Value("match")));
                }
            }

            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { subscriptions = rows.Select(r => new { name = r.Name, metrics = r.Metrics, interval_ms = r.Interval, match = r.Match }) });
            }
            else if (rows.Count == 0)
            {
                Printer.Line("No client metrics subscriptions: clients push nothing.");
            }
            else
            {
                var table = Printer.Table("NAME", "METRICS", "INTERVAL MS", "MATCH");
                foreach (var row in rows) Printer.AddRow(table, row.Name, row.Metrics, row.Interval, row.Match);
                Printer.Render(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command SetCommand()
    {
        var name = new Argument<string>("name") { Description = "Subscription name" };
        var metrics = new Option<string?>("--metrics") { Description = "Comma-separated metric name prefixes (org.apache.kafka.producer.), * for all" };
        var interval = new Option<int?>("--interval") { Description = "Push interval in ms (100 to 3600000; default 300000)" };
        var match = new Option<string?>("--match") { Description = "Comma-separated selector=regex pairs (client_id, client_software_name, client_software_version, client_source_address, client_source_port, client_instance_id)" };
        var command = new Command("set", "Create or change a subscription; only the options given change") { name, metrics, interval, match };
        command.SetAction(async (parse, _) =>
        {
            var changes = new List<(string, string?)>();
            if (parse.GetValue(metrics) is { } m) changes.Add(("metrics", m));
            if (parse.GetValue(interval) is { } i) changes.Add(("interval.ms", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (parse.GetValue(match) is { } x) changes.Add(("match", x));
            if (changes.Count == 0) throw CliException.BadArguments("give at least one of --metrics, --interval, --match");
            var subscription = parse.GetValue(name)!;
            await AlterAsync(CliContext.From(parse), subscription, Set, changes);
            Printer.Line($"Subscription {subscription} set.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name") { Description = "Subscription name" };
        var command = new Command("delete", "Delete a subscription; the clients it matched stop pushing at their next push") { name };
        command.SetAction(async (parse, _) =>
        {
            var subscription = parse.GetValue(name)!;
            await AlterAsync(CliContext.From(parse), subscription, Delete, [.. s_configs.Select(c => (c, (string?)null))]);
            Printer.Line($"Subscription {subscription} deleted.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task AlterAsync(CliContext context, string subscription, sbyte operation, IReadOnlyList<(string Name, string? Value)> configs)
    {
        using var client = await KafkaRequestClient.ConnectAsync(context);
        var request = new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new()
                {
                    ResourceType = ClientMetricsResourceType,
                    ResourceName = subscription,
                    Configs = [.. configs.Select(c => new IncrementalAlterConfigsRequest.AlterableConfig { Name = c.Name, ConfigOperation = operation, Value = c.Value })],
                },
            ],
        };
        var response = await client.SendAsync<IncrementalAlterConfigsResponse>(request, "IncrementalAlterConfigs");
        var result = response.Responses.FirstOrDefault() ?? throw CliException.Broker("the broker answered without a result for the subscription");
        ClusterCommand.FailOnError(result.ErrorCode, result.ErrorMessage, $"{subscription}: ");
    }
}
