using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>`fjord topics list|describe|create|alter|delete` — kafka-topics.sh over the AdminClient.</summary>
public static class TopicsCommand
{
    public static Command Build()
    {
        var topics = new Command("topics", "List, describe, create, alter and delete topics");
        topics.Subcommands.Add(List());
        topics.Subcommands.Add(Describe());
        topics.Subcommands.Add(Create());
        topics.Subcommands.Add(Alter());
        topics.Subcommands.Add(Delete());
        return topics;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var internals = new Option<bool>("--include-internal") { Description = "Also list internal topics (__consumer_offsets)" };
        var command = new Command("list", "List topics with their partition count and replication factor") { output, internals };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var metadata = admin.GetMetadata(context.Timeout);
            var rows = metadata.Topics
                .Where(t => parse.GetValue(internals) || !t.Topic.StartsWith("__", StringComparison.Ordinal))
                .OrderBy(t => t.Topic, StringComparer.Ordinal)
                .Select(t => new
                {
                    name = t.Topic,
                    partitions = t.Partitions.Count,
                    replication_factor = t.Partitions.Count == 0 ? 0 : t.Partitions.Max(p => p.Replicas.Length),
                })
                .ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(rows);
            }
            else
            {
                var table = Printer.Table("TOPIC", "PARTITIONS", "REPLICATION FACTOR");
                foreach (var row in rows)
                {
                    Printer.AddRow(table, row.name, row.partitions, row.replication_factor);
                }

                Printer.Render(table);
            }

            await Task.CompletedTask;
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe()
    {
        var output = GlobalOptions.Output();
        var names = new Argument<string[]>("topic") { Description = "Topics to describe", Arity = ArgumentArity.OneOrMore };
        var command = new Command("describe", "Partitions, leaders, replicas, ISR and configs of topics") { names, output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var topics = parse.GetValue(names)!;
            var described = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(topics), context.Request(new DescribeTopicsOptions()));
            var configs = await admin.DescribeConfigsAsync(
                topics.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }),
                context.Request(new DescribeConfigsOptions()));
            var result = described.TopicDescriptions.Select(t => new
            {
                name = t.Name,
                topic_id = t.TopicId.ToString(),
                @internal = t.IsInternal,
                partition_count = t.Partitions.Count,
                replication_factor = t.Partitions.Count == 0 ? 0 : t.Partitions.Max(p => p.Replicas.Count),
                partitions = t.Partitions.OrderBy(p => p.Partition).Select(p => new
                {
                    partition = p.Partition,
                    leader = p.Leader?.Id ?? -1,
                    replicas = p.Replicas.Select(r => r.Id).ToArray(),
                    isr = p.ISR.Select(r => r.Id).ToArray(),
                }).ToList(),
                configs = configs.First(c => c.ConfigResource.Name == t.Name).Entries.Values
                    .OrderBy(e => e.Name, StringComparer.Ordinal)
                    .Select(e => new { name = e.Name, value = e.IsSensitive ? "(sensitive)" : e.Value, source = e.Source.ToString(), is_default = e.IsDefault })
                    .ToList(),
            }).ToList();

            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(result);
                return ExitCodes.Ok;
            }

            foreach (var topic in result)
            {
                Printer.Line($"Topic: {topic.name}  TopicId: {topic.topic_id}  PartitionCount: {topic.partition_count}  ReplicationFactor: {topic.replication_factor}");
                var partitions = Printer.Table("PARTITION", "LEADER", "REPLICAS", "ISR");
                foreach (var p in topic.partitions)
                {
                    Printer.AddRow(partitions, p.partition, p.leader, string.Join(',', p.replicas), string.Join(',', p.isr));
                }

                Printer.Render(partitions);
                var overrides = topic.configs.Where(c => !c.is_default).ToList();
                Printer.Line(overrides.Count == 0 ? "Configs: (all defaults)" : "Configs:");
                if (overrides.Count > 0)
                {
                    var table = Printer.Table("CONFIG", "VALUE", "SOURCE");
                    foreach (var c in overrides)
                    {
                        Printer.AddRow(table, c.name, c.value, c.source);
                    }

                    Printer.Render(table);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Create()
    {
        var name = new Argument<string>("topic") { Description = "Topic name" };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Number of partitions (default: the broker's num.partitions)", DefaultValueFactory = _ => -1 };
        var replication = new Option<short>("--replication-factor", "-r") { Description = "Replication factor (default: the broker's default.replication.factor)", DefaultValueFactory = _ => -1 };
        var config = new Option<string[]>("--config", "-c") { Description = "Topic config key=value (repeatable)" };
        var ifNotExists = new Option<bool>("--if-not-exists") { Description = "Succeed when the topic already exists" };
        var command = new Command("create", "Create a topic") { name, partitions, replication, config, ifNotExists };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var configs = KeyValue.ParseAll(parse.GetValue(config), "--config").ToDictionary(kv => kv.Key, kv => kv.Value);
            var count = parse.GetValue(partitions);
            if (count == 0 || count < -1)
            {
                throw CliException.BadArguments("--partitions must be at least 1");
            }

            using var admin = context.CreateAdmin();
            var topic = parse.GetValue(name)!;
            try
            {
                await admin.CreateTopicsAsync(
                    [new TopicSpecification { Name = topic, NumPartitions = count, ReplicationFactor = parse.GetValue(replication), Configs = configs }],
                    context.Request(new CreateTopicsOptions()));
            }
            catch (CreateTopicsException e) when (parse.GetValue(ifNotExists) && e.Results.All(r => !r.Error.IsError || r.Error.Code == ErrorCode.TopicAlreadyExists))
            {
                Printer.Info($"topic '{topic}' already exists");
                return ExitCodes.Ok;
            }

            Printer.Info($"created topic '{topic}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Alter()
    {
        var name = new Argument<string>("topic") { Description = "Topic name" };
        var partitions = new Option<int?>("--partitions", "-p") { Description = "Increase the partition count to this number" };
        var set = new Option<string[]>("--config", "-c") { Description = "Set a topic config key=value (repeatable)" };
        var delete = new Option<string[]>("--delete-config") { Description = "Remove a topic config override, back to the default (repeatable)" };
        var command = new Command("alter", "Add partitions or change topic configs") { name, partitions, set, delete };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var topic = parse.GetValue(name)!;
            var sets = KeyValue.ParseAll(parse.GetValue(set), "--config");
            var deletes = parse.GetValue(delete) ?? [];
            var count = parse.GetValue(partitions);
            if (count is null && sets.Count == 0 && deletes.Length == 0)
            {
                throw CliException.BadArguments("nothing to alter: give --partitions, --config or --delete-config");
            }

            if (count is < 1)
            {
                throw CliException.BadArguments("--partitions must be at least 1");
            }

            using var admin = context.CreateAdmin();
            await EnsureExistsAsync(admin, context, topic);
            if (count is { } n)
            {
                await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = n }], context.Request(new CreatePartitionsOptions()));
                Printer.Info($"topic '{topic}' now has {n} partitions");
            }

            if (sets.Count > 0 || deletes.Length > 0)
            {
                var entries = sets.Select(kv => new ConfigEntry { Name = kv.Key, Value = kv.Value, IncrementalOperation = AlterConfigOpType.Set })
                    .Concat(deletes.Select(d => new ConfigEntry { Name = d, Value = string.Empty, IncrementalOperation = AlterConfigOpType.Delete }))
                    .ToList();
                await admin.IncrementalAlterConfigsAsync(
                    new Dictionary<ConfigResource, List<ConfigEntry>> { [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = entries },
                    context.Request(new IncrementalAlterConfigsOptions()));
                Printer.Info($"updated {entries.Count} config(s) of topic '{topic}'");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var names = new Argument<string[]>("topic") { Description = "Topics to delete", Arity = ArgumentArity.OneOrMore };
        var ifExists = new Option<bool>("--if-exists") { Description = "Succeed when a topic does not exist" };
        var command = new Command("delete", "Delete topics") { names, ifExists };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var topics = parse.GetValue(names)!;
            try
            {
                await admin.DeleteTopicsAsync(topics, context.Request(new DeleteTopicsOptions()));
            }
            catch (DeleteTopicsException e) when (parse.GetValue(ifExists) && e.Results.All(r => !r.Error.IsError || r.Error.Code == ErrorCode.UnknownTopicOrPart))
            {
            }

            Printer.Info($"deleted topic(s) {string.Join(", ", topics.Select(t => $"'{t}'"))}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Describes one topic; UNKNOWN_TOPIC_OR_PARTITION becomes "unknown topic" (exit 1).</summary>
    public static async Task<TopicDescription> EnsureExistsAsync(IAdminClient admin, CliContext context, string topic)
    {
        try
        {
            var result = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]), context.Request(new DescribeTopicsOptions()));
            return result.TopicDescriptions[0];
        }
        catch (DescribeTopicsException e) when (e.Results.TopicDescriptions.Any(t => t.Error.Code == ErrorCode.UnknownTopicOrPart))
        {
            throw CliException.Broker($"unknown topic '{topic}'");
        }
    }
}
