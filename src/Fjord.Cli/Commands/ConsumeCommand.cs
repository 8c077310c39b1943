using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord consume` — kafka-console-consumer.sh: by assignment (default; every partition or
/// --partition) or as a member of --group; starts at the end, the beginning, an offset or a timestamp.
/// </summary>
public static class ConsumeCommand
{
    public static Command Build()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to read" };
        var group = new Option<string?>("--group", "-g") { Description = "Join this consumer group (subscribe) and commit offsets" };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Read only these partitions (assignment mode)", AllowMultipleArgumentsPerToken = true };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the earliest offset" };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset (assignment mode)" };
        var timestamp = new Option<string?>("--from-timestamp") { Description = "Start at the first record at or after this time (unix ms or ISO 8601; assignment mode)" };
        var max = new Option<long?>("--max-messages", "-n") { Description = "Exit after this many records" };
        var idle = new Option<double?>("--idle-timeout") { Description = "Exit after this many seconds without a record" };
        var exitAtEnd = new Option<bool>("--exit-at-end", "-e") { Description = "Exit when every assigned partition is at its end (assignment mode)" };
        var format = new Option<string>("--output", "-o", "--format") { Description = "text or json (one JSON object per line)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var printKey = new Option<bool>("--print-key") { Description = "text format: print key<separator>value" };
        var separator = new Option<string>("--key-separator") { Description = "text format: separator between key and value", DefaultValueFactory = _ => "\t" };
        var command = new Command("consume", "Read records and print them")
        {
            topic, group, partitions, fromBeginning, offset, timestamp, max, idle, exitAtEnd, format, printKey, separator,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse);
            var name = parse.GetValue(topic)!;
            var groupId = parse.GetValue(group);
            var startOffset = parse.GetValue(offset);
            var startTime = ParseTimestamp(parse.GetValue(timestamp));
            var starts = (parse.GetValue(fromBeginning) ? 1 : 0) + (startOffset is null ? 0 : 1) + (startTime is null ? 0 : 1);
            if (starts > 1)
            {
                throw CliException.BadArguments("give at most one of --from-beginning, --offset, --from-timestamp");
            }

            if (groupId is not null && (startOffset is not null || startTime is not null || (parse.GetValue(partitions)?.Length ?? 0) > 0))
            {
                throw CliException.BadArguments("--offset, --from-timestamp and --partition need assignment mode (no --group)");
            }

            var limit = parse.GetValue(max);
            if (limit is < 1)
            {
                throw CliException.BadArguments("--max-messages must be at least 1");
            }

            var json = Printer.IsJson(parse.GetValue(format));
            var withKey = parse.GetValue(printKey);
            var keySeparator = parse.GetValue(separator)!;

            TopicDescriptionShape description;
            using (var admin = context.CreateAdmin())
            {
                var described = await TopicsCommand.EnsureExistsAsync(admin, context, name);
                description = new TopicDescriptionShape(described.Partitions.Select(p => p.Partition).OrderBy(p => p).ToArray());
            }

            var config = context.ConsumerConfig();
            config.GroupId = groupId ?? "fjord-cli-" + Guid.NewGuid().ToString("N")[..8];
            config.EnableAutoCommit = groupId is not null;
            config.AutoOffsetReset = parse.GetValue(fromBeginning) ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest;
            config.EnablePartitionEof = true;
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();

            var assigned = new HashSet<TopicPartition>();
            if (groupId is null)
            {
                var chosen = parse.GetValue(partitions) is { Length: > 0 } p ? p : description.Partitions;
                foreach (var partition in chosen)
                {
                    if (!description.Partitions.Contains(partition))
                    {
                        throw CliException.Broker($"topic '{name}' has no partition {partition}");
                    }
                }

                var tps = chosen.Select(p => new TopicPartition(name, p)).ToList();
                List<TopicPartitionOffset> positions;
                if (startTime is { } ms)
                {
                    positions = consumer.OffsetsForTimes(tps.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(ms, TimestampType.CreateTime))), context.Timeout);
                }
                else
                {
                    var at = startOffset is { } o ? new Offset(o) : parse.GetValue(fromBeginning) ? Offset.Beginning : Offset.End;
                    positions = tps.Select(tp => new TopicPartitionOffset(tp, at)).ToList();
                }

                consumer.Assign(positions);
                assigned.UnionWith(tps);
            }
            else
            {
                consumer.Subscribe(name);
            }

            var count = 0L;
            var atEnd = new HashSet<TopicPartition>();
            var idleLimit = parse.GetValue(idle) is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            var lastRecord = DateTime.UtcNow;
            var stdout = Console.Out;
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                    if (result is null)
                    {
                        if (idleLimit is { } limitIdle && DateTime.UtcNow - lastRecord > limitIdle)
                        {
                            break;
                        }

                        continue;
                    }

                    if (result.IsPartitionEOF)
                    {
                        atEnd.Add(result.TopicPartition);
                        if (parse.GetValue(exitAtEnd) && groupId is null && atEnd.IsSupersetOf(assigned))
                        {
                            break;
                        }

                        continue;
                    }

                    atEnd.Remove(result.TopicPartition);
                    lastRecord = DateTime.UtcNow;
                    Print(stdout, result, json, withKey, keySeparator);
                    if (limit is { } l && ++count >= l)
                    {
                        break;
                    }
                }
            }
            catch (ConsumeException e)
            {
                throw ErrorMapping.FromError(e.Error);
            }
            finally
            {
                stdout.Flush();
                if (groupId is not null)
                {
                    try
                    {
                        consumer.Commit();
                    }
                    catch (KafkaException)
                    {
                        // nothing consumed since the last auto-commit
                    }

                    consumer.Close();
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record TopicDescriptionShape(int[] Partitions);

    private static void Print(TextWriter stdout, ConsumeResult<byte[]?, byte[]?> result, bool json, bool withKey, string separator)
    {
        var message = result.Message;
        if (json)
        {
            var headers = new Dictionary<string, string?>();
            if (message.Headers is not null)
            {
                foreach (var header in message.Headers)
                {
                    headers[header.Key] = header.GetValueBytes() is { } b ? Encoding.UTF8.GetString(b) : null;
                }
            }

            Printer.JsonLine(new
            {
                topic = result.Topic,
                partition = result.Partition.Value,
                offset = result.Offset.Value,
                timestamp = message.Timestamp.UnixTimestampMs,
                key = message.Key is null ? null : Encoding.UTF8.GetString(message.Key),
                value = message.Value is null ? null : Encoding.UTF8.GetString(message.Value),
                headers,
            });
            return;
        }

        var value = message.Value is null ? "null" : Encoding.UTF8.GetString(message.Value);
        stdout.WriteLine(withKey ? (message.Key is null ? "null" : Encoding.UTF8.GetString(message.Key)) + separator + value : value);
    }

    private static long? ParseTimestamp(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUnixTimeMilliseconds();
        }

        throw CliException.BadArguments($"--from-timestamp '{text}' is neither unix milliseconds nor an ISO 8601 time");
    }
}
