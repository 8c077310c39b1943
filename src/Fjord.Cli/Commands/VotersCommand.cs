using System.CommandLine;
using Fjord.Cli.Output;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord cluster voters list|add|remove`: the controller quorum's voters (KIP-853), with Kafka's DescribeQuorum,
/// AddRaftVoter and RemoveRaftVoter (what `kafka-metadata-quorum describe|add-controller|remove-controller` send).
/// A node must be running (it follows the metadata log as an observer) before it can be added; a removed voter stays
/// an observer. One change at a time: REQUEST_TIMED_OUT means retry.
/// </summary>
public static class VotersCommand
{
    private const string MetadataTopic = "__cluster_metadata";

    public static Command Build()
    {
        var voters = new Command("voters", "Controller quorum voters: list them, add an observer as a voter, remove a voter");
        voters.Subcommands.Add(List());
        voters.Subcommands.Add(Change("add", "Promote a running node (an observer of the metadata log) to voter", remove: false));
        voters.Subcommands.Add(Change("remove", "Demote a voter to observer", remove: true));
        return voters;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "Leader, voters and observers of the metadata quorum with their log end offsets") { output };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var client = await KafkaRequestClient.ConnectAsync(context);
            var response = await client.SendAsync<DescribeQuorumResponse>(new DescribeQuorumRequest
            {
                Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { PartitionIndex = 0 }] }],
            }, "DescribeQuorum");
            ClusterCommand.FailOnError(response.ErrorCode, response.ErrorMessage);
            var partition = response.Topics.SelectMany(t => t.Partitions).FirstOrDefault()
                ?? throw CliException.Broker("the broker answered without the metadata partition");
            ClusterCommand.FailOnError(partition.ErrorCode, partition.ErrorMessage);
            var rows = partition.CurrentVoters.Select(v => (id: v.ReplicaId, role: v.ReplicaId == partition.LeaderId ? "leader" : "voter", leo: v.LogEndOffset))
                .Concat(partition.Observers.Select(o => (id: o.ReplicaId, role: "observer", leo: o.LogEndOffset)))
                .OrderBy(r => r.id).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(new
                {
                    leader = partition.LeaderId,
                    epoch = partition.LeaderEpoch,
                    high_watermark = partition.HighWatermark,
                    voters = partition.CurrentVoters.Select(v => v.ReplicaId).Order().ToList(),
                    observers = partition.Observers.Select(o => o.ReplicaId).Order().ToList(),
                    replicas = rows.Select(r => new { node = r.id, r.role, log_end_offset = r.leo }).ToList(),
                });
            }
            else
            {
                Printer.Line($"Leader: {partition.LeaderId}  Epoch: {partition.LeaderEpoch}  High watermark: {partition.HighWatermark}");
                var table = Printer.Table("NODE", "ROLE", "LOG END OFFSET");
                foreach (var r in rows) Printer.AddRow(table, r.id, r.role, r.leo);
                Printer.Render(table);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Change(string name, string description, bool remove)
    {
        var node = new Argument<int>("node") { Description = "Node id" };
        var command = new Command(name, description) { node };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var id = parse.GetValue(node);
            using var client = await KafkaRequestClient.ConnectAsync(context);
            if (remove)
            {
                var response = await client.SendAsync<RemoveRaftVoterResponse>(new RemoveRaftVoterRequest { ClusterId = null, VoterId = id }, "RemoveRaftVoter");
                ClusterCommand.FailOnError(response.ErrorCode, response.ErrorMessage);
                Printer.Line($"Node {id} is no longer a voter (it stays an observer).");
            }
            else
            {
                var response = await client.SendAsync<AddRaftVoterResponse>(
                    new AddRaftVoterRequest { ClusterId = null, TimeoutMs = (int)context.Timeout.TotalMilliseconds, VoterId = id }, "AddRaftVoter");
                ClusterCommand.FailOnError(response.ErrorCode, response.ErrorMessage);
                Printer.Line($"Node {id} is a voter.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
