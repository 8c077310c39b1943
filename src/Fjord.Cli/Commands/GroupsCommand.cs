using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>`fjord groups list|describe|reset-offsets|delete` — kafka-consumer-groups.sh with lag.</summary>
public static class GroupsCommand
{
    public static Command Build()
    {
        var groups = new Command("groups", "List, describe (with lag), reset offsets of and delete consumer groups");
        groups.Subcommands.Add(List());
        groups.Subcommands.Add(Describe());
        groups.Subcommands.Add(ResetOffsets());
        groups.Subcommands.Add(Delete());
        return groups;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "List consumer groups and their state") { output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var result = await admin.ListConsumerGroupsAsync(context.Request(new ListConsumerGroupsOptions()));
            var rows = result.Valid.OrderBy(g => g.GroupId, StringComparer.Ordinal)
                .Select(g => new { group = g.GroupId, type = TypeName(g.Type), state = g.State.ToString(), simple = g.IsSimpleConsumerGroup })
                .ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(rows);
                return ExitCodes.Ok;
            }

            var table = Printer.Table("GROUP", "TYPE", "STATE");
            foreach (var row in rows)
            {
                Printer.AddRow(table, row.group, row.type, row.state);
            }

            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe()
    {
        var output = GlobalOptions.Output();
        var group = new Argument<string>("group") { Description = "Consumer group id" };
        var command = new Command("describe", "Members, assignments, committed offsets, log end offsets and lag of a group") { group, output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var groupId = parse.GetValue(group)!;
            using var admin = context.CreateAdmin();
            var description = (await admin.DescribeConsumerGroupsAsync([groupId], context.Request(new DescribeConsumerGroupsOptions())))
                .ConsumerGroupDescriptions[0];
            var committed = (await admin.ListConsumerGroupOffsetsAsync(
                    [new ConsumerGroupTopicPartitions(groupId, null)], context.Request(new ListConsumerGroupOffsetsOptions())))[0]
                .Partitions.Where(p => p.Offset != Offset.Unset).ToDictionary(p => p.TopicPartition, p => p.Offset.Value);

            if (description.State is ConsumerGroupState.Dead or ConsumerGroupState.Unknown && description.Members.Count == 0 && committed.Count == 0)
            {
                throw CliException.Broker($"unknown group '{groupId}'");
            }

            var owners = new Dictionary<TopicPartition, MemberDescription>();
            foreach (var member in description.Members)
            {
                foreach (var tp in member.Assignment?.TopicPartitions ?? [])
                {
                    owners[tp] = member;
                }
            }

            var partitions = committed.Keys.Concat(owners.Keys).Distinct().OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition.Value).ToList();
            var ends = new Dictionary<TopicPartition, long>();
            if (partitions.Count > 0)
            {
                var listed = await admin.ListOffsetsAsync(
                    partitions.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Latest() }),
                    context.Request(new ListOffsetsOptions()));
                foreach (var info in listed.ResultInfos)
                {
                    if (!info.TopicPartitionOffsetError.Error.IsError)
                    {
                        ends[info.TopicPartitionOffsetError.TopicPartition] = info.TopicPartitionOffsetError.Offset.Value;
                    }
                }
            }

            var protocols = await MemberProtocolsAsync(context, description);
            var rows = partitions.Select(tp =>
            {
                long? offset = committed.TryGetValue(tp, out var c) ? c : null;
                long? end = ends.TryGetValue(tp, out var e) ? e : null;
                owners.TryGetValue(tp, out var owner);
                return new
                {
                    topic = tp.Topic,
                    partition = tp.Partition.Value,
                    committed_offset = offset,
                    log_end_offset = end,
                    lag = offset is { } o && end is { } l ? Math.Max(0, l - o) : (long?)null,
                    member_id = owner?.ConsumerId,
                    protocol = owner is null ? null : protocols.GetValueOrDefault(owner.ConsumerId, "unknown"),
                    client_id = owner?.ClientId,
                    host = owner?.Host,
                };
            }).ToList();
            var result = new
            {
                group = groupId,
                type = TypeName(description.GroupType),
                state = description.State.ToString(),
                assignor = description.PartitionAssignor,
                coordinator = description.Coordinator?.Id,
                members = description.Members.Select(m => new
                {
                    member_id = m.ConsumerId,
                    protocol = protocols.GetValueOrDefault(m.ConsumerId, "unknown"),
                    group_instance_id = m.GroupInstanceId,
                    client_id = m.ClientId,
                    host = m.Host,
                    assignment = (m.Assignment?.TopicPartitions ?? []).Select(tp => $"{tp.Topic}-{tp.Partition.Value}").ToArray(),

                    // KIP-848 groups only: where the member is being moved to (null for classic groups).
                    target_assignment = m.TargetAssignment?.TopicPartitions.Select(tp => $"{tp.Topic}-{tp.Partition.Value}").ToArray(),
                }).ToList(),
                partitions = rows,
                total_lag = rows.Sum(r => r.lag ?? 0),
            };

            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(result);
                return ExitCodes.Ok;
            }

            Printer.Line($"Group: {result.group}  Type: {result.type}  State: {result.state}  Members: {result.members.Count}  Assignor: {(string.IsNullOrEmpty(result.assignor) ? "-" : result.assignor)}  Coordinator: {result.coordinator?.ToString() ?? "-"}  TotalLag: {result.total_lag}");
            var table = Printer.Table("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "PROTOCOL", "HOST", "CLIENT-ID");
            foreach (var row in rows)
            {
                Printer.AddRow(table, row.topic, row.partition, row.committed_offset, row.log_end_offset, row.lag, row.member_id, row.protocol, row.host, row.client_id);
            }

            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Which protocol each member speaks: every member of a classic group uses the classic one; a consumer group can
    /// hold classic members during an online migration, which ConsumerGroupDescribe v1's member type (KIP-1099) tells,
    /// asked of the group's coordinator. Members the broker does not type (v0) are left out ("unknown").
    /// </summary>
    private static async Task<Dictionary<string, string>> MemberProtocolsAsync(CliContext context, ConsumerGroupDescription description)
    {
        if (description.GroupType != ConsumerGroupType.Consumer || description.Coordinator is null)
        {
            return description.Members.ToDictionary(m => m.ConsumerId, _ => "classic", StringComparer.Ordinal);
        }

        using var client = await KafkaRequestClient.ConnectToAsync(context, description.Coordinator.Host, description.Coordinator.Port);
        var response = await client.SendAsync<Fjord.Protocol.Messages.ConsumerGroupDescribeResponse>(
            new Fjord.Protocol.Messages.ConsumerGroupDescribeRequest { GroupIds = [description.GroupId] }, "ConsumerGroupDescribe");
        var protocols = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in response.Groups.Where(g => g.ErrorCode == 0).SelectMany(g => g.Members))
        {
            if (member.MemberType is 0 or 1)
            {
                protocols[member.MemberId] = member.MemberType == 0 ? "classic" : "consumer";
            }
        }

        return protocols;
    }

    /// <summary>"classic" or "consumer" (KIP-848), as kafka-consumer-groups prints the group type.</summary>
    private static string TypeName(ConsumerGroupType type) => type switch
    {
        ConsumerGroupType.Consumer => "consumer",
        ConsumerGroupType.Classic => "classic",
        _ => "unknown",
    };

    private static Command ResetOffsets()
    {
        var group = new Argument<string>("group") { Description = "Consumer group id (must have no active members)" };
        var topic = new Option<string>("--topic", "-t") { Description = "Topic whose offsets to reset", Required = true };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Only these partitions (default: all)", AllowMultipleArgumentsPerToken = true };
        var toEarliest = new Option<bool>("--to-earliest") { Description = "Reset to the log start offset" };
        var toLatest = new Option<bool>("--to-latest") { Description = "Reset to the log end offset" };
        var toOffset = new Option<long?>("--to-offset") { Description = "Reset to this offset" };
        var toDatetime = new Option<DateTimeOffset?>("--to-datetime") { Description = "Reset to the first offset at or after this time (ISO 8601)" };
        var shiftBy = new Option<long?>("--shift-by") { Description = "Move the committed offsets by this many records (negative: back)" };
        var execute = new Option<bool>("--execute") { Description = "Apply the reset (without it, only print the plan — like kafka-consumer-groups --dry-run)" };
        var output = GlobalOptions.Output();
        var command = new Command("reset-offsets", "Reset a group's committed offsets")
        {
            group, topic, partitions, toEarliest, toLatest, toOffset, toDatetime, shiftBy, execute, output,
        };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var chosen = (parse.GetValue(toEarliest) ? 1 : 0) + (parse.GetValue(toLatest) ? 1 : 0) + (parse.GetValue(toOffset) is null ? 0 : 1)
                + (parse.GetValue(toDatetime) is null ? 0 : 1) + (parse.GetValue(shiftBy) is null ? 0 : 1);
            if (chosen != 1)
            {
                throw CliException.BadArguments("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
            }

            var groupId = parse.GetValue(group)!;
            var name = parse.GetValue(topic)!;
            using var admin = context.CreateAdmin();
            var described = await TopicsCommand.EnsureExistsAsync(admin, context, name);
            var wanted = parse.GetValue(partitions) is { Length: > 0 } p ? p : described.Partitions.Select(x => x.Partition).ToArray();
            var tps = wanted.OrderBy(x => x).Select(x => new TopicPartition(name, x)).ToList();

            async Task<Dictionary<TopicPartition, long>> ListAsync(OffsetSpec spec)
            {
                var listed = await admin.ListOffsetsAsync(tps.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = spec }), context.Request(new ListOffsetsOptions()));
                return listed.ResultInfos.ToDictionary(i => i.TopicPartitionOffsetError.TopicPartition, i => i.TopicPartitionOffsetError.Offset.Value);
            }

            var earliest = await ListAsync(OffsetSpec.Earliest());
            var latest = await ListAsync(OffsetSpec.Latest());
            var current = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, tps)], context.Request(new ListConsumerGroupOffsetsOptions())))[0]
                .Partitions.ToDictionary(x => x.TopicPartition, x => x.Offset.Value);
            Dictionary<TopicPartition, long>? byTime = parse.GetValue(toDatetime) is { } when ? await ListAsync(OffsetSpec.ForTimestamp(when.ToUnixTimeMilliseconds())) : null;

            var plan = tps.Select(tp =>
            {
                long target;
                if (parse.GetValue(toEarliest)) { target = earliest[tp]; }
                else if (parse.GetValue(toLatest)) { target = latest[tp]; }
                else if (parse.GetValue(toOffset) is { } o) { target = o; }
                else if (byTime is not null) { target = byTime[tp] < 0 ? latest[tp] : byTime[tp]; }
                else { target = (current.TryGetValue(tp, out var c) && c >= 0 ? c : earliest[tp]) + parse.GetValue(shiftBy)!.Value; }

                // Like kafka-consumer-groups: clamp to the log so the group never points outside it.
                target = Math.Clamp(target, earliest[tp], latest[tp]);
                return new TopicPartitionOffset(tp, new Offset(target));
            }).ToList();

            if (parse.GetValue(execute))
            {
                await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(groupId, plan)], context.Request(new AlterConsumerGroupOffsetsOptions()));
            }

            var rows = plan.Select(x => new { topic = x.Topic, partition = x.Partition.Value, new_offset = x.Offset.Value }).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { group = groupId, executed = parse.GetValue(execute), partitions = rows });
            }
            else
            {
                var table = Printer.Table("TOPIC", "PARTITION", "NEW-OFFSET");
                foreach (var row in rows)
                {
                    Printer.AddRow(table, row.topic, row.partition, row.new_offset);
                }

                Printer.Render(table);
                Printer.Info(parse.GetValue(execute) ? $"reset offsets of group '{groupId}'" : "dry run: add --execute to apply");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var groups = new Argument<string[]>("group") { Description = "Groups to delete (must have no active members)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("delete", "Delete consumer groups and their committed offsets") { groups };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var ids = parse.GetValue(groups)!;
            await admin.DeleteGroupsAsync(ids, context.Request(new DeleteGroupsOptions()));
            Printer.Info($"deleted group(s) {string.Join(", ", ids.Select(g => $"'{g}'"))}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
