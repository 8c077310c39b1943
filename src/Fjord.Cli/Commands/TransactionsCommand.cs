using System.CommandLine;
using Fjord.Cli.Output;
using Fjord.Cli.Transactions;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord transactions list|describe|describe-producers|find-hanging|abort` — Kafka's kafka-transactions.sh (KIP-664):
/// the verbs, the columns and the rule for a hanging transaction are Kafka's, so its runbooks apply unchanged.
/// </summary>
public static class TransactionsCommand
{
    private const int DefaultMaxTransactionTimeoutMinutes = 15;

    public static Command Build()
    {
        var command = new Command("transactions", "List, describe, find hanging and abort Kafka transactions (kafka-transactions.sh)");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Describe());
        command.Subcommands.Add(DescribeProducers());
        command.Subcommands.Add(FindHanging());
        command.Subcommands.Add(Abort());
        return command;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "Transactions every broker coordinates, with their producer id and state") { output };
        command.SetAction(async (parse, _) =>
        {
            var admin = new TransactionAdmin(CliContext.From(parse), TimeProvider.System);
            var rows = (await admin.ListAsync())
                .OrderBy(t => t.Transaction.TransactionalId, StringComparer.Ordinal)
                .Select(t => new
                {
                    transactional_id = t.Transaction.TransactionalId,
                    coordinator = t.Coordinator,
                    producer_id = t.Transaction.ProducerId,
                    transaction_state = t.Transaction.TransactionState,
                }).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { transactions = rows });
                return ExitCodes.Ok;
            }

            var table = Printer.Table("TransactionalId", "Coordinator", "ProducerId", "TransactionState");
            foreach (var row in rows) Printer.AddRow(table, row.transactional_id, row.coordinator, row.producer_id, row.transaction_state);
            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe()
    {
        var output = GlobalOptions.Output();
        var transactionalId = new Option<string>("--transactional-id") { Description = "The transactional id to describe", Required = true };
        var command = new Command("describe", "State, producer, start time and partitions of one transaction, from its coordinator") { transactionalId, output };
        command.SetAction(async (parse, _) =>
        {
            var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            var admin = new TransactionAdmin(CliContext.From(parse), TimeProvider.System);
            var (coordinator, described) = await admin.DescribeAsync(parse.GetValue(transactionalId)!);
            var started = described.TransactionStartTimeMs >= 0;
            var result = new
            {
                coordinator_id = coordinator,
                transactional_id = described.TransactionalId,
                producer_id = described.ProducerId,
                producer_epoch = described.ProducerEpoch,
                transaction_state = described.TransactionState,
                transaction_timeout_ms = described.TransactionTimeoutMs,
                current_transaction_start_time_ms = started ? described.TransactionStartTimeMs : (long?)null,
                transaction_duration_ms = started ? now - described.TransactionStartTimeMs : (long?)null,
                topic_partitions = described.Topics.SelectMany(t => t.Partitions.Select(p => $"{t.Topic}-{p}")).Order(StringComparer.Ordinal).ToArray(),
            };
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(result);
                return ExitCodes.Ok;
            }

            var table = Printer.Table("CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState",
                "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions");
            Printer.AddRow(table, result.coordinator_id, result.transactional_id, result.producer_id, result.producer_epoch, result.transaction_state,
                result.current_transaction_start_time_ms, result.transaction_duration_ms, string.Join(",", result.topic_partitions));
            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command DescribeProducers()
    {
        var output = GlobalOptions.Output();
        var topic = new Option<string>("--topic") { Description = "Topic of the partition", Required = true };
        var partition = new Option<int>("--partition") { Description = "Partition index", Required = true };
        var command = new Command("describe-producers", "Producers with state on a partition (asked of its leader), with the start offset of any open transaction")
        {
            topic, partition, output,
        };
        command.SetAction(async (parse, _) =>
        {
            var admin = new TransactionAdmin(CliContext.From(parse), TimeProvider.System);
            var described = await admin.DescribeProducersAsync(parse.GetValue(topic)!, parse.GetValue(partition));
            var rows = described.ActiveProducers.OrderBy(p => p.ProducerId).Select(p => new
            {
                producer_id = p.ProducerId,
                producer_epoch = p.ProducerEpoch,
                latest_coordinator_epoch = p.CoordinatorEpoch >= 0 ? p.CoordinatorEpoch : (int?)null,
                last_sequence = p.LastSequence,
                last_timestamp = p.LastTimestamp,
                current_transaction_start_offset = p.CurrentTxnStartOffset >= 0 ? p.CurrentTxnStartOffset : (long?)null,
            }).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { topic = parse.GetValue(topic), partition = parse.GetValue(partition), producers = rows });
                return ExitCodes.Ok;
            }

            var table = Printer.Table("ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset");
            foreach (var row in rows)
            {
                Printer.AddRow(table, row.producer_id, row.producer_epoch, row.latest_coordinator_epoch, row.last_sequence, row.last_timestamp, row.current_transaction_start_offset);
            }

            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command FindHanging()
    {
        var output = GlobalOptions.Output();
        var brokerId = new Option<int?>("--broker-id") { Description = "Look at every partition this broker leads" };
        var topic = new Option<string?>("--topic") { Description = "Look at this topic's partitions instead" };
        var partition = new Option<int?>("--partition") { Description = "Only this partition of --topic" };
        var maxTimeout = new Option<int>("--max-transaction-timeout")
        {
            Description = "Minutes after which an open transaction should have been aborted (transaction.max.timeout.ms; default 15)",
            DefaultValueFactory = _ => DefaultMaxTransactionTimeoutMinutes,
        };
        var command = new Command("find-hanging", "Open transactions older than the maximum transaction timeout that no coordinator knows")
        {
            brokerId, topic, partition, maxTimeout, output,
        };
        command.SetAction(async (parse, _) =>
        {
            if (parse.GetValue(brokerId).HasValue == (parse.GetValue(topic) is not null))
            {
                throw CliException.BadArguments("give exactly one of --broker-id, --topic");
            }

            if (parse.GetValue(partition).HasValue && parse.GetValue(topic) is null)
            {
                throw CliException.BadArguments("--partition needs --topic");
            }

            if (parse.GetValue(maxTimeout) < 0)
            {
                throw CliException.BadArguments("--max-transaction-timeout must not be negative");
            }

            var hanging = await FindHangingAsync(
                new TransactionAdmin(CliContext.From(parse), TimeProvider.System), parse.GetValue(brokerId), parse.GetValue(topic),
                parse.GetValue(partition), TimeSpan.FromMinutes(parse.GetValue(maxTimeout)));
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new { hanging_transactions = hanging });
            }
            else if (hanging.Count == 0)
            {
                Printer.Line("No hanging transactions found.");
            }
            else
            {
                var table = Printer.Table("Topic", "Partition", "ProducerId", "ProducerEpoch", "CoordinatorEpoch", "StartOffset", "LastTimestamp", "Duration(min)");
                foreach (var row in hanging)
                {
                    Printer.AddRow(table, row.Topic, row.Partition, row.ProducerId, row.ProducerEpoch, row.CoordinatorEpoch, row.StartOffset, row.LastTimestamp, row.DurationMinutes);
                }

                Printer.Render(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<List<HangingTransaction>> FindHangingAsync(TransactionAdmin admin, int? brokerId, string? topic, int? partition, TimeSpan maxTimeout)
    {
        var metadata = topic is null ? await admin.MetadataAsync() : await admin.MetadataAsync([topic]);
        if (brokerId is { } id && metadata.Brokers.All(b => b.NodeId != id))
        {
            throw CliException.Broker($"unknown broker {id} (BROKER_NOT_AVAILABLE)");
        }

        var partitions = new List<(string Topic, int Partition, int Leader)>();
        foreach (var topicMetadata in metadata.Topics)
        {
            ClusterCommand.FailOnError(topicMetadata.ErrorCode, null, $"topic '{topicMetadata.Name}': ");
            partitions.AddRange(topicMetadata.Partitions
                .Where(p => brokerId is { } b ? p.LeaderId == b : partition is null || p.PartitionIndex == partition)
                .Select(p => (topicMetadata.Name!, p.PartitionIndex, p.LeaderId)));
        }

        if (partition is { } wanted && partitions.Count == 0)
        {
            throw CliException.Broker($"topic '{topic}' has no partition {wanted} (UNKNOWN_TOPIC_OR_PARTITION)");
        }

        var now = TimeProvider.System.GetUtcNow();
        var candidates = new List<HangingTransaction>();
        var producerStates = await admin.DescribeProducersAsync(metadata, partitions);
        foreach (var (name, index, producers) in producerStates.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition))
        {
            candidates.AddRange(producers.ActiveProducers
                .Where(p => HangingTransactions.IsCandidate(p.CurrentTxnStartOffset, p.LastTimestamp, now, maxTimeout))
                .Select(p => new HangingTransaction(name, index, p.ProducerId, p.ProducerEpoch, p.CoordinatorEpoch, p.CurrentTxnStartOffset,
                    p.LastTimestamp, (long)(now - DateTimeOffset.FromUnixTimeMilliseconds(p.LastTimestamp)).TotalMinutes)));
        }

        if (candidates.Count == 0) return candidates;

        // Which transactional ids the coordinators hold for the candidates' producers, and what they say about each.
        var listed = await admin.ListAsync([.. candidates.Select(c => c.ProducerId).Distinct()]);
        var views = new Dictionary<long, List<TransactionView>>();
        foreach (var (_, transaction) in listed)
        {
            var (_, described) = await admin.DescribeAsync(transaction.TransactionalId);
            var view = new TransactionView(described.TransactionState, described.ProducerId, described.ProducerEpoch,
                described.Topics.SelectMany(t => t.Partitions.Select(p => (t.Topic, p))).ToHashSet());
            if (!views.TryGetValue(transaction.ProducerId, out var list)) views[transaction.ProducerId] = list = [];
            list.Add(view);
        }

        return [.. candidates.Where(c => views.TryGetValue(c.ProducerId, out var known)
            ? known.All(v => HangingTransactions.IsHanging(v, c.ProducerId, c.ProducerEpoch, c.Topic, c.Partition))
            : HangingTransactions.IsHanging(null, c.ProducerId, c.ProducerEpoch, c.Topic, c.Partition))];
    }

    private static Command Abort()
    {
        var topic = new Option<string>("--topic") { Description = "Topic of the partition with the hanging transaction", Required = true };
        var partition = new Option<int>("--partition") { Description = "Partition index", Required = true };
        var startOffset = new Option<long?>("--start-offset") { Description = "First offset of the open transaction (find-hanging's StartOffset)" };
        var producerId = new Option<long?>("--producer-id") { Description = "Instead of --start-offset: the producer id …" };
        var producerEpoch = new Option<short?>("--producer-epoch") { Description = "… its epoch …" };
        var coordinatorEpoch = new Option<int?>("--coordinator-epoch") { Description = "… and the coordinator epoch of its last marker" };
        var command = new Command("abort", "Abort an open (hanging) transaction on a partition by writing an ABORT marker through its leader")
        {
            topic, partition, startOffset, producerId, producerEpoch, coordinatorEpoch,
        };
        command.SetAction(async (parse, _) =>
        {
            var name = parse.GetValue(topic)!;
            var index = parse.GetValue(partition);
            var admin = new TransactionAdmin(CliContext.From(parse), TimeProvider.System);
            long pid;
            short epoch;
            int coordinator;
            if (parse.GetValue(startOffset) is { } offset)
            {
                if (parse.GetValue(producerId).HasValue || parse.GetValue(producerEpoch).HasValue || parse.GetValue(coordinatorEpoch).HasValue)
                {
                    throw CliException.BadArguments("give either --start-offset or --producer-id, --producer-epoch and --coordinator-epoch");
                }

                var described = await admin.DescribeProducersAsync(name, index);
                var producer = described.ActiveProducers.FirstOrDefault(p => p.CurrentTxnStartOffset == offset)
                    ?? throw CliException.Broker($"{name}-{index}: no open transaction starts at offset {offset}");
                // A producer that never saw a marker has no coordinator epoch (-1); 0 is the first one a coordinator uses.
                (pid, epoch, coordinator) = (producer.ProducerId, (short)producer.ProducerEpoch, Math.Max(0, producer.CoordinatorEpoch));
            }
            else if (parse.GetValue(producerId) is { } p && parse.GetValue(producerEpoch) is { } e && parse.GetValue(coordinatorEpoch) is { } c)
            {
                (pid, epoch, coordinator) = (p, e, c);
            }
            else
            {
                throw CliException.BadArguments("give either --start-offset or --producer-id, --producer-epoch and --coordinator-epoch");
            }

            await admin.AbortAsync(name, index, pid, epoch, coordinator);
            Printer.Line($"Aborted the transaction of producer {pid} (epoch {epoch}) on {name}-{index}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
