using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Fjord.Cli.Output;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord cluster rebalance`: the built-in balancer (issue 16) through the admin gRPC service on a broker's rpc
/// listener. --dry-run prints the proposal (ProposeBalance); otherwise ExecuteBalance starts it and, unless
/// --no-wait, DescribeBalance is polled until it finishes, printing progress, the time taken and the bytes moved.
/// </summary>
public static class RebalanceCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Build()
    {
        var output = GlobalOptions.Output();
        var adminServer = new Option<string>("--admin-server")
        {
            Description = "A broker's rpc listener (admin gRPC), host:port",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FJORD_ADMIN_SERVER") ?? "localhost:9093",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the proposed reassignments" };
        var exclude = new Option<string?>("--exclude-brokers")
        {
            Description = "Broker ids to drain, comma-separated: every replica moves off them and they receive none (scale-in)",
        };
        var drainOnly = new Option<bool>("--drain-only") { Description = "With --exclude-brokers: only drain them, move nothing else" };
        var throttle = new Option<long>("--throttle") { Description = "Replication throttle in bytes/s while data moves (KIP-73; 0: none)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the balance and return without waiting for it" };
        var waitSeconds = new Option<double>("--wait-timeout")
        {
            Description = "Seconds to wait for the balance to finish",
            DefaultValueFactory = _ => 3600,
        };
        var command = new Command("rebalance",
            "Even out replicas, leaders and bytes per broker (respecting racks, moving as little data as possible), or drain brokers")
        {
            adminServer, dryRun, exclude, drainOnly, throttle, noWait, waitSeconds, output,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse);
            var json = Printer.IsJson(parse.GetValue(output));
            var request = new BalanceRequest { DrainOnly = parse.GetValue(drainOnly), ThrottleBytesPerSecond = parse.GetValue(throttle) };
            request.DrainBrokers.AddRange(ParseBrokers(parse.GetValue(exclude)));
            if (request.DrainOnly && request.DrainBrokers.Count == 0) throw CliException.BadArguments("--drain-only needs --exclude-brokers");
            if (request.ThrottleBytesPerSecond < 0) throw CliException.BadArguments("--throttle must be ≥ 0");
            var (host, port) = CliContext.SplitHostPort(parse.GetValue(adminServer)!);
            using var channel = GrpcChannel.ForAddress($"http://{host}:{port}");
            var client = new AdminService.AdminServiceClient(channel);
            try
            {
                if (parse.GetValue(dryRun))
                {
                    var proposed = await client.ProposeBalanceAsync(request, deadline: Deadline(context.Timeout), cancellationToken: cancel);
                    Check(proposed.Error);
                    Print(proposed.Proposal, json, "Proposed");
                    return ExitCodes.Ok;
                }
                var started = Stopwatch.StartNew();
                var executed = await client.ExecuteBalanceAsync(request, deadline: Deadline(context.Timeout), cancellationToken: cancel);
                Check(executed.Error);
                Print(executed.Proposal, json, $"Balance {executed.BalanceId} started");
                if (parse.GetValue(noWait) || executed.Proposal.Moves.Count == 0) return ExitCodes.Ok;
                var status = await WaitAsync(client, context.Timeout, TimeSpan.FromSeconds(parse.GetValue(waitSeconds)), json, cancel);
                var summary = $"Balance {status.BalanceId} {status.State switch { BalanceState.Completed => "completed", BalanceState.Failed => "failed", _ => "ended" }} " +
                    $"in {started.Elapsed.TotalSeconds:F1} s: {status.CompletedMoves}/{status.TotalMoves} moves, {status.BytesToMove - status.BytesRemaining} bytes moved" +
                    (status.Message.Length > 0 ? $" ({status.Message})" : "");
                if (json) Printer.JsonLine(new { state = status.State.ToString(), seconds = started.Elapsed.TotalSeconds, status.CompletedMoves, status.TotalMoves, bytes_moved = status.BytesToMove - status.BytesRemaining });
                else Printer.Line(summary);
                return status.State == BalanceState.Completed ? ExitCodes.Ok : ExitCodes.BrokerError;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw CliException.Unreachable($"cannot reach the admin service at {host}:{port} ({e.Status.Detail})");
            }
        });
        return command;
    }

    private static async Task<DescribeBalanceResponse> WaitAsync(
        AdminService.AdminServiceClient client, TimeSpan callTimeout, TimeSpan waitTimeout, bool json, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + waitTimeout;
        var last = "";
        while (true)
        {
            var status = await client.DescribeBalanceAsync(new DescribeBalanceRequest(), deadline: Deadline(callTimeout), cancellationToken: cancel);
            Check(status.Error);
            var line = $"{status.State}: {status.CompletedMoves}/{status.TotalMoves} moves done, {status.ReassigningPartitions} reassigning, " +
                $"{status.BytesRemaining} of {status.BytesToMove} bytes to go";
            if (line != last)
            {
                if (json) Printer.JsonLine(new { state = status.State.ToString(), status.CompletedMoves, status.TotalMoves, status.ReassigningPartitions, status.BytesRemaining });
                else Printer.Info(line);
                last = line;
            }
            if (status.State is not (BalanceState.Running or BalanceState.Unknown)) return status;
            if (DateTime.UtcNow > deadline) throw CliException.Broker($"the balance did not finish within the wait timeout; last: {line}");
            await Task.Delay(PollInterval, cancel);
        }
    }

    private static void Print(BalanceProposal proposal, bool json, string title)
    {
        if (json)
        {
            Printer.Json(new
            {
                moves = proposal.Moves.Select(m => new { m.Topic, m.Partition, replicas = m.Replicas.ToArray(), target_replicas = m.TargetReplicas.ToArray(), m.BytesMoved }),
                before = proposal.Before.Select(b => new { b.BrokerId, b.Replicas, b.Leaders, b.Bytes, b.Draining }),
                after = proposal.After.Select(b => new { b.BrokerId, b.Replicas, b.Leaders, b.Bytes, b.Draining }),
                unplaceable = proposal.Unplaceable.Select(u => new { u.Topic, u.Partition, u.BrokerId }),
                proposal.BytesToMove,
                proposal.ReplicaMoves,
            });
            return;
        }
        Printer.Line($"{title}: {proposal.Moves.Count} partition(s) to reassign, {proposal.ReplicaMoves} copying data ({proposal.BytesToMove} bytes), " +
            $"{proposal.Moves.Count - proposal.ReplicaMoves} only changing the preferred leader");
        var table = Printer.Table("BROKER", "RACK", "REPLICAS", "LEADERS", "BYTES", "DRAINING");
        var after = proposal.After.ToDictionary(b => b.BrokerId);
        foreach (var b in proposal.Before)
        {
            var a = after.GetValueOrDefault(b.BrokerId) ?? b;
            Printer.AddRow(table, b.BrokerId, b.HasRack ? b.Rack : "-", $"{b.Replicas} -> {a.Replicas}", $"{b.Leaders} -> {a.Leaders}", $"{b.Bytes} -> {a.Bytes}", b.Draining ? "yes" : "");
        }
        Printer.Render(table);
        foreach (var m in proposal.Moves.Take(50))
            Printer.Line($"  {m.Topic}-{m.Partition}: [{string.Join(",", m.Replicas)}] -> [{string.Join(",", m.TargetReplicas)}]{(m.BytesMoved > 0 ? $" ({m.BytesMoved} bytes)" : "")}");
        if (proposal.Moves.Count > 50) Printer.Line($"  … and {proposal.Moves.Count - 50} more (-o json lists all)");
        foreach (var u in proposal.Unplaceable)
            Printer.Line($"  cannot move {u.Topic}-{u.Partition} off broker {u.BrokerId}: every other broker already holds it");
    }

    private static IEnumerable<int> ParseBrokers(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && id >= 0
                ? id
                : throw CliException.BadArguments($"--exclude-brokers: '{s}' is not a broker id"));

    private static void Check(Error? error)
    {
        if (error is { Code: not 0 }) throw CliException.Broker($"{error.Message} (error {error.Code})");
    }

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow + timeout;
}
