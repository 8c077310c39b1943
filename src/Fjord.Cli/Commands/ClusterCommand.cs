using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Output;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using ErrorCode = Confluent.Kafka.ErrorCode;
using KafkaError = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Cli.Commands;

/// <summary>`fjord cluster status|elect-leaders|reassign|rebalance|voters`.</summary>
public static class ClusterCommand
{
    public static Command Build()
    {
        var cluster = new Command("cluster", "Brokers, controller and partition health; leader election and reassignment");
        cluster.Subcommands.Add(Status());
        cluster.Subcommands.Add(ElectLeaders());
        cluster.Subcommands.Add(Reassign());
        cluster.Subcommands.Add(RebalanceCommand.Build());
        cluster.Subcommands.Add(VotersCommand.Build());
        return cluster;
    }

    private static Command Status()
    {
        var output = GlobalOptions.Output();
        var command = new Command("status", "Brokers, controller, and under-replicated/offline partitions (from metadata)") { output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var cluster = await admin.DescribeClusterAsync(context.Request(new DescribeClusterOptions()));
            var metadata = admin.GetMetadata(context.Timeout);
            var partitions = metadata.Topics.SelectMany(t => t.Partitions.Select(p => (t.Topic, Partition: p))).ToList();
            var offline = partitions.Where(x => x.Partition.Leader < 0).Select(x => $"{x.Topic}-{x.Partition.PartitionId}").ToList();
            var under = partitions.Where(x => x.Partition.InSyncReplicas.Length < x.Partition.Replicas.Length).Select(x => $"{x.Topic}-{x.Partition.PartitionId}").ToList();
            var leaders = partitions.Where(x => x.Partition.Leader >= 0).GroupBy(x => x.Partition.Leader).ToDictionary(g => g.Key, g => g.Count());
            var result = new
            {
                cluster_id = cluster.ClusterId,
                controller = cluster.Controller?.Id,
                brokers = cluster.Nodes.OrderBy(n => n.Id).Select(n => new
                {
                    id = n.Id,
                    host = n.Host,
                    port = n.Port,
                    rack = n.Rack,
                    leader_partitions = leaders.GetValueOrDefault(n.Id),
                }).ToList(),
                topics = metadata.Topics.Count,
                partitions = partitions.Count,
                under_replicated_partitions = under,
                offline_partitions = offline,
            };
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(result);
            }
            else
            {
                Printer.Line($"Cluster: {result.cluster_id}  Controller: {result.controller?.ToString() ?? "-"}  Brokers: {result.brokers.Count}  Topics: {result.topics}  Partitions: {result.partitions}");
                var table = Printer.Table("BROKER", "HOST", "PORT", "RACK", "LEADER PARTITIONS");
                foreach (var b in result.brokers)
                {
                    Printer.AddRow(table, b.id, b.host, b.port, b.rack, b.leader_partitions);
                }

                Printer.Render(table);
                Printer.Line($"Under-replicated partitions: {(under.Count == 0 ? "0" : $"{under.Count} ({string.Join(", ", under.Take(20))}{(under.Count > 20 ? ", …" : string.Empty)})")}");
                Printer.Line($"Offline partitions: {(offline.Count == 0 ? "0" : $"{offline.Count} ({string.Join(", ", offline.Take(20))}{(offline.Count > 20 ? ", …" : string.Empty)})")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ElectLeaders()
    {
        var output = GlobalOptions.Output();
        var topic = new Option<string?>("--topic", "-t") { Description = "Only this topic (default: every partition)" };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Only these partitions of --topic", AllowMultipleArgumentsPerToken = true };
        var type = new Option<string>("--type", "--election-type")
        {
            Description = "preferred: move leadership back to the first replica; unclean: elect any replica for leaderless partitions (may lose data)",
            DefaultValueFactory = _ => "preferred",
        };
        type.AcceptOnlyFromAmong("preferred", "unclean");
        var command = new Command("elect-leaders", "Elect partition leaders (Kafka's ElectLeaders API, KIP-183/KIP-460)") { topic, partitions, type, output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var name = parse.GetValue(topic);
            var wanted = parse.GetValue(partitions) ?? [];
            if (name is null && wanted.Length > 0)
            {
                throw CliException.BadArguments("--partition needs --topic");
            }

            using var admin = context.CreateAdmin();
            List<TopicPartition>? tps = null;
            if (name is not null)
            {
                var described = await TopicsCommand.EnsureExistsAsync(admin, context, name);
                tps = (wanted.Length > 0 ? wanted : described.Partitions.Select(p => p.Partition).ToArray()).Select(p => new TopicPartition(name, p)).ToList();
            }

            var electionType = parse.GetValue(type) == "unclean" ? ElectionType.Unclean : ElectionType.Preferred;
            List<TopicPartitionError> results;
            try
            {
                results = (await admin.ElectLeadersAsync(electionType, tps, context.Request(new ElectLeadersOptions()))).TopicPartitions;
            }
            catch (ElectLeadersException e)
            {
                results = e.Results.TopicPartitions;
            }

            var rows = results.OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Value).Select(r => new
            {
                topic = r.Topic,
                partition = r.Partition.Value,
                result = !r.Error.IsError ? "elected" : r.Error.Code == ErrorCode.ElectionNotNeeded ? "not-needed" : "failed",
                error = r.Error.IsError ? ErrorMapping.Describe(r.Error) : null,
            }).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { election_type = parse.GetValue(type), results = rows });
            }
            else if (rows.Count == 0)
            {
                Printer.Line("No election needed: every leader is already where it should be.");
            }
            else
            {
                var table = Printer.Table("TOPIC", "PARTITION", "RESULT", "ERROR");
                foreach (var row in rows)
                {
                    Printer.AddRow(table, row.topic, row.partition, row.result, row.error);
                }

                Printer.Render(table);
            }

            var failures = rows.Where(r => r.result == "failed").ToList();
            if (failures.Count > 0)
            {
                throw CliException.Broker(string.Join("; ", failures.Select(f => $"{f.topic}-{f.partition}: {f.error}")));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Reassign()
    {
        var output = GlobalOptions.Output();
        var topic = new Option<string?>("--topic", "-t") { Description = "Topic of the partition (with --list: only this topic)" };
        var partition = new Option<int?>("--partition", "-p") { Description = "Partition to reassign or cancel" };
        var replicas = new Option<string?>("--replicas") { Description = "New replica list, broker ids comma-separated (the first is the preferred leader)" };
        var list = new Option<bool>("--list") { Description = "List the reassignments in progress" };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel the partition's reassignment in progress (back to its original replicas)" };
        var command = new Command("reassign",
            "Move a partition's replicas to other brokers, list or cancel reassignments (KIP-455). Confluent.Kafka has no call for these, " +
            "so fjord sends Kafka's AlterPartitionReassignments / ListPartitionReassignments requests itself to a bootstrap broker, which " +
            "forwards them to the controller.")
        {
            topic, partition, replicas, list, cancel, output,
        };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var json = Printer.IsJson(parse.GetValue(output));
            var name = parse.GetValue(topic);
            var index = parse.GetValue(partition);
            var replicaText = parse.GetValue(replicas);
            if (parse.GetValue(list))
            {
                if (parse.GetValue(cancel) || replicaText is not null)
                {
                    throw CliException.BadArguments("--list cannot be combined with --replicas or --cancel");
                }

                return await ListReassignmentsAsync(context, name, index, json);
            }

            if (name is null || index is null)
            {
                throw CliException.BadArguments("--topic and --partition are required (or use --list)");
            }

            List<int>? target = null;
            if (parse.GetValue(cancel))
            {
                if (replicaText is not null)
                {
                    throw CliException.BadArguments("--cancel cannot be combined with --replicas");
                }
            }
            else
            {
                target = ParseReplicas(replicaText ?? throw CliException.BadArguments("--replicas is required (or use --cancel or --list)"));
            }

            return await AlterReassignmentAsync(context, name, index.Value, target, json);
        });
        return command;
    }

    private static List<int> ParseReplicas(string text)
    {
        var ids = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = new List<int>();
        foreach (var id in ids)
        {
            if (!int.TryParse(id, out var value) || value < 0)
            {
                throw CliException.BadArguments($"--replicas '{text}' is not a comma-separated list of broker ids");
            }

            parsed.Add(value);
        }

        if (parsed.Count == 0)
        {
            throw CliException.BadArguments($"--replicas '{text}' is not a comma-separated list of broker ids");
        }

        if (parsed.Distinct().Count() != parsed.Count)
        {
            throw CliException.BadArguments($"--replicas '{text}' names a broker twice");
        }

        return parsed;
    }

    private static async Task<int> AlterReassignmentAsync(CliContext context, string topic, int partition, List<int>? target, bool json)
    {
        using var client = await KafkaRequestClient.ConnectAsync(context);
        var request = new AlterPartitionReassignmentsRequest { TimeoutMs = (int)context.Timeout.TotalMilliseconds };
        request.Topics.Add(new AlterPartitionReassignmentsRequest.ReassignableTopic
        {
            Name = topic,
            Partitions = [new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = partition, Replicas = target }],
        });
        var response = await client.SendAsync<AlterPartitionReassignmentsResponse>(request, "AlterPartitionReassignments");
        FailOnError(response.ErrorCode, response.ErrorMessage);
        var result = response.Responses.SelectMany(t => t.Partitions).FirstOrDefault()
            ?? throw CliException.Broker("the broker answered without a result for the partition");
        FailOnError(result.ErrorCode, result.ErrorMessage, $"{topic}-{partition}: ");
        var status = target is null ? "cancelled" : "started";
        if (json)
        {
            Printer.Json(new { topic, partition, replicas = target, status });
        }
        else
        {
            Printer.Line(target is null
                ? $"Reassignment of {topic}-{partition} cancelled: its original replicas stay."
                : $"Reassignment of {topic}-{partition} to replicas [{string.Join(",", target)}] started; `fjord cluster reassign --list` shows it until it completes.");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> ListReassignmentsAsync(CliContext context, string? topic, int? partition, bool json)
    {
        if (partition is not null && topic is null)
        {
            throw CliException.BadArguments("--partition needs --topic");
        }

        List<ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics>? topics = null;
        if (topic is not null)
        {
            // Kafka's request names partitions, not topics: look the topic's partitions up first.
            using var admin = context.CreateAdmin();
            var described = await TopicsCommand.EnsureExistsAsync(admin, context, topic);
            topics = [new() { Name = topic, PartitionIndexes = partition is { } p ? [p] : [.. described.Partitions.Select(x => x.Partition)] }];
        }

        using var client = await KafkaRequestClient.ConnectAsync(context);
        var response = await client.SendAsync<ListPartitionReassignmentsResponse>(
            new ListPartitionReassignmentsRequest { TimeoutMs = (int)context.Timeout.TotalMilliseconds, Topics = topics }, "ListPartitionReassignments");
        FailOnError(response.ErrorCode, response.ErrorMessage);
        var rows = response.Topics.SelectMany(t => t.Partitions.Select(p => new
        {
            topic = t.Name,
            partition = p.PartitionIndex,
            replicas = p.Replicas,
            adding_replicas = p.AddingReplicas,
            removing_replicas = p.RemovingReplicas,
        })).OrderBy(r => r.topic, StringComparer.Ordinal).ThenBy(r => r.partition).ToList();
        if (json)
        {
            Printer.Json(new { reassignments = rows });
        }
        else if (rows.Count == 0)
        {
            Printer.Line("No reassignments in progress.");
        }
        else
        {
            var table = Printer.Table("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING");
            foreach (var row in rows)
            {
                Printer.AddRow(table, row.topic, row.partition, string.Join(",", row.replicas), string.Join(",", row.adding_replicas), string.Join(",", row.removing_replicas));
            }

            Printer.Render(table);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Exit code 1 with Kafka's error name and the broker's message for a non-zero error code.</summary>
    internal static void FailOnError(short code, string? message, string prefix = "")
    {
        if (code == 0)
        {
            return;
        }

        var name = ((KafkaError)code).KafkaName();
        throw CliException.Broker($"{prefix}{(string.IsNullOrEmpty(message) ? name : $"{message} ({name})")}");
    }
}
