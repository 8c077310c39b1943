using System.CommandLine;
using Fjord.Cli.Commands;
using Fjord.Cli.Output;

namespace Fjord.Cli.Perf;

/// <summary>`fjord perf produce|consume|e2e` — Kafka's perf-test tools with percentiles.</summary>
public static class PerfCommand
{
    public static Command Build()
    {
        var perf = new Command("perf", "Measure producer and consumer throughput and latency");
        perf.Subcommands.Add(Produce());
        perf.Subcommands.Add(Consume());
        perf.Subcommands.Add(EndToEnd());
        return perf;
    }

    private static Option<string> Topic() => new("--topic", "-t") { Description = "Topic to use", Required = true };

    private static Option<double> ReportingInterval() => new("--reporting-interval") { Description = "Seconds between progress lines", DefaultValueFactory = _ => 5 };

    private static Command Produce()
    {
        var topic = Topic();
        var records = new Option<long>("--num-records", "-n") { Description = "Records to send", Required = true };
        var size = new Option<int>("--record-size", "-s") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var throughput = new Option<double>("--throughput") { Description = "Target records/s; -1 for as fast as possible", DefaultValueFactory = _ => -1 };
        var acks = new Option<string>("--acks", "-a") { Description = "all, 1 or 0", DefaultValueFactory = _ => "1" };
        acks.AcceptOnlyFromAmong("all", "-1", "1", "0");
        var batch = new Option<int>("--batch-size") { Description = "Producer batch.size in bytes", DefaultValueFactory = _ => 131072 };
        var linger = new Option<double>("--linger-ms") { Description = "Producer linger.ms", DefaultValueFactory = _ => 5 };
        var compression = new Option<string>("--compression") { Description = "none, gzip, snappy, lz4, zstd", DefaultValueFactory = _ => "none" };
        compression.AcceptOnlyFromAmong("none", "gzip", "snappy", "lz4", "zstd");
        var idempotence = new Option<bool>("--idempotence") { Description = "Enable the idempotent producer (implies acks=all)" };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "Stop sending after this many seconds (0: no limit)", DefaultValueFactory = _ => 0 };
        var warmUp = new Option<long>("--warmup-records") { Description = "Records sent (at the same rate) and acknowledged before measuring, not counted (KIP-1052)", DefaultValueFactory = _ => 0 };
        var interval = ReportingInterval();
        var output = GlobalOptions.Output();
        var command = new Command("produce", "Producer throughput and send→ack latency (like kafka-producer-perf-test)")
        {
            topic, records, size, throughput, acks, batch, linger, compression, idempotence, maxSeconds, warmUp, interval, output,
        };
        command.SetAction((parse, cancel) =>
        {
            var context = CliContext.From(parse);
            if (parse.GetValue(records) < 1 || parse.GetValue(size) < 1)
            {
                throw CliException.BadArguments("--num-records and --record-size must be at least 1");
            }

            if (parse.GetValue(warmUp) < 0)
            {
                throw CliException.BadArguments("--warmup-records must not be negative");
            }

            context.EnsureReachable();
            var settings = new ProducerPerfSettings(
                parse.GetValue(topic)!, parse.GetValue(records), parse.GetValue(size), parse.GetValue(throughput),
                parse.GetValue(idempotence) ? "all" : parse.GetValue(acks)!, parse.GetValue(batch), parse.GetValue(linger),
                parse.GetValue(compression)!, parse.GetValue(idempotence), parse.GetValue(maxSeconds), parse.GetValue(interval),
                WarmUpRecords: parse.GetValue(warmUp));
            var result = ProducerPerf.Run(context.ProducerConfig(), settings, cancel);
            Report(parse.GetValue(output), result, "sent");
            return Task.FromResult(result.Records == 0 ? ExitCodes.BrokerError : ExitCodes.Ok);
        });
        return command;
    }

    private static Command Consume()
    {
        var topic = Topic();
        var messages = new Option<long>("--messages", "-n") { Description = "Records to read", Required = true };
        var group = new Option<string?>("--group", "-g") { Description = "Consume as a member of this group (default: assign every partition)" };
        var idle = new Option<double>("--idle-timeout") { Description = "Stop after this many seconds without a record", DefaultValueFactory = _ => 5 };
        var fetchMax = new Option<int>("--fetch-max-bytes") { Description = "Consumer fetch.max.bytes", DefaultValueFactory = _ => 52_428_800 };
        var interval = ReportingInterval();
        var output = GlobalOptions.Output();
        var command = new Command("consume", "Consumer throughput from the beginning of a topic (like kafka-consumer-perf-test)")
        {
            topic, messages, group, idle, fetchMax, interval, output,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse);
            var partitions = await PartitionsAsync(context, parse.GetValue(topic)!);
            var settings = new ConsumerPerfSettings(parse.GetValue(topic)!, parse.GetValue(messages), parse.GetValue(idle), parse.GetValue(group), parse.GetValue(fetchMax), parse.GetValue(interval));
            var result = ConsumerPerf.Run(context.ConsumerConfig(), partitions, settings, cancel);
            Report(parse.GetValue(output), result, "consumed");
            return result.Records == 0 ? ExitCodes.BrokerError : ExitCodes.Ok;
        });
        return command;
    }

    private static Command EndToEnd()
    {
        var topic = Topic();
        var records = new Option<long>("--num-records", "-n") { Description = "Records to send", DefaultValueFactory = _ => 10_000 };
        var size = new Option<int>("--record-size", "-s") { Description = "Value size in bytes (at least 8)", DefaultValueFactory = _ => 100 };
        var rate = new Option<double>("--rate") { Description = "Records per second", DefaultValueFactory = _ => 1000 };
        var acks = new Option<string>("--acks", "-a") { Description = "all, 1 or 0", DefaultValueFactory = _ => "1" };
        acks.AcceptOnlyFromAmong("all", "-1", "1", "0");
        var linger = new Option<double>("--linger-ms") { Description = "Producer linger.ms", DefaultValueFactory = _ => 0 };
        var warmUp = new Option<long>("--warmup-records") { Description = "Records sent (at the same rate) and received before measuring, not counted", DefaultValueFactory = _ => 1 };
        var interval = ReportingInterval();
        var output = GlobalOptions.Output();
        var command = new Command("e2e", "Produce→consume latency at a fixed rate") { topic, records, size, rate, acks, linger, warmUp, interval, output };
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse);
            if (parse.GetValue(rate) <= 0 || parse.GetValue(records) < 1 || parse.GetValue(warmUp) < 1)
            {
                throw CliException.BadArguments("--rate, --num-records and --warmup-records must be positive");
            }

            var partitions = await PartitionsAsync(context, parse.GetValue(topic)!);
            var settings = new EndToEndSettings(parse.GetValue(topic)!, parse.GetValue(records), parse.GetValue(size), parse.GetValue(rate), parse.GetValue(acks)!, parse.GetValue(linger), parse.GetValue(interval),
                WarmUpRecords: parse.GetValue(warmUp));
            var result = EndToEndPerf.Run(context.ProducerConfig(), context.ConsumerConfig(), partitions, settings, cancel);
            Report(parse.GetValue(output), result, "received");
            return result.Records == 0 ? ExitCodes.BrokerError : ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<int[]> PartitionsAsync(CliContext context, string topic)
    {
        using var admin = context.CreateAdmin();
        var described = await TopicsCommand.EnsureExistsAsync(admin, context, topic);
        return described.Partitions.Select(p => p.Partition).OrderBy(p => p).ToArray();
    }

    private static void Report(string? output, PerfResult result, string verb)
    {
        if (Printer.IsJson(output))
        {
            Printer.Json(new
            {
                kind = result.Kind,
                records = result.Records,
                bytes = result.Bytes,
                seconds = Math.Round(result.Seconds, 3),
                records_per_sec = Math.Round(result.RecordsPerSecond, 1),
                mb_per_sec = Math.Round(result.MegabytesPerSecond, 3),
                errors = result.Errors,
                latency_ms = result.P50Ms is null ? null : new { avg = result.AvgMs, max = result.MaxMs, p50 = result.P50Ms, p95 = result.P95Ms, p99 = result.P99Ms, p999 = result.P999Ms },
            });
        }
        else
        {
            Printer.Line(result.Summary(verb));
        }
    }
}
