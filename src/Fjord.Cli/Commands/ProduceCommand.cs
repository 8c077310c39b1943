using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>`fjord produce` — kafka-console-producer.sh: one record per input line, optional key and headers.</summary>
public static class ProduceCommand
{
    public static Command Build()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to write to" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read records from this file instead of stdin" };
        var keySeparator = new Option<string?>("--key-separator", "-K") { Description = "Split each line into key and value at the first occurrence of this string" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Header key=value added to every record (repeatable)" };
        var acks = new Option<string>("--acks", "-a") { Description = "Acknowledgements: all, 1 or 0", DefaultValueFactory = _ => "all" };
        acks.AcceptOnlyFromAmong("all", "-1", "1", "0");
        var partition = new Option<int?>("--partition", "-p") { Description = "Write every record to this partition (default: by key, or sticky)" };
        var compression = new Option<string>("--compression") { Description = "none, gzip, snappy, lz4, zstd", DefaultValueFactory = _ => "none" };
        compression.AcceptOnlyFromAmong("none", "gzip", "snappy", "lz4", "zstd");
        var command = new Command("produce", "Write records from stdin or a file, one per line") { topic, file, keySeparator, headers, acks, partition, compression };
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse);
            var name = parse.GetValue(topic)!;
            var separator = parse.GetValue(keySeparator);
            if (separator is "")
            {
                throw CliException.BadArguments("--key-separator must not be empty");
            }

            var headerPairs = KeyValue.ParseAll(parse.GetValue(headers), "--header");
            var path = parse.GetValue(file);
            if (path is { Exists: false })
            {
                throw CliException.BadArguments($"--file '{path.FullName}' does not exist");
            }

            context.EnsureReachable();
            var config = context.ProducerConfig();
            config.Acks = parse.GetValue(acks) switch { "0" => Acks.None, "1" => Acks.Leader, _ => Acks.All };
            config.CompressionType = Enum.Parse<CompressionType>(parse.GetValue(compression)!, ignoreCase: true);
            config.MessageTimeoutMs = (int)context.Timeout.TotalMilliseconds;
            config.EnableIdempotence = false;
            config.LingerMs = 5;
            using var producer = new ProducerBuilder<byte[]?, byte[]>(config).SetLogHandler((_, _) => { }).Build();

            using var reader = path is null ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(path.FullName, Encoding.UTF8);
            var sent = 0L;
            var failed = 0L;
            Error? firstError = null;
            var fixedPartition = parse.GetValue(partition);
            void OnDelivery(DeliveryReport<byte[]?, byte[]> report)
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, report.Error, null);
                }
            }

            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                byte[]? key = null;
                var value = line;
                if (separator is not null)
                {
                    var at = line.IndexOf(separator, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        key = Encoding.UTF8.GetBytes(line[..at]);
                        value = line[(at + separator.Length)..];
                    }
                }

                var message = new Message<byte[]?, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(value) };
                if (headerPairs.Count > 0)
                {
                    message.Headers = [];
                    foreach (var (k, v) in headerPairs)
                    {
                        message.Headers.Add(k, Encoding.UTF8.GetBytes(v));
                    }
                }

                while (true)
                {
                    try
                    {
                        if (fixedPartition is { } p)
                        {
                            producer.Produce(new TopicPartition(name, p), message, OnDelivery);
                        }
                        else
                        {
                            producer.Produce(name, message, OnDelivery);
                        }

                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(100));
                    }
                }

                sent++;
            }

            if (producer.Flush(context.Timeout + TimeSpan.FromSeconds(5)) > 0)
            {
                throw CliException.Unreachable($"timed out delivering records to '{name}'");
            }

            if (failed > 0)
            {
                var error = ErrorMapping.FromError(firstError!);
                throw new CliException(error.ExitCode, $"{failed} of {sent} records to '{name}' failed: {error.Message}");
            }

            Printer.Info($"produced {sent} records to '{name}'");
            return ExitCodes.Ok;
        });
        return command;
    }
}
