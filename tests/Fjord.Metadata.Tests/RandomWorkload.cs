using Fjord.Metadata.Records;

namespace Fjord.Metadata.Tests;

/// <summary>
/// Drives a controller with random commands (registrations, heartbeats, crashes, topic and config changes,
/// ISR changes, elections, reassignments, producer ids) and returns the record batches it wrote: a
/// realistic, valid record stream for a seed. Not thread-safe.
/// </summary>
internal static class RandomWorkload
{
    public static List<List<MetadataRecord>> Generate(int seed, int steps)
    {
        var rng = new Random(seed);
        var ctx = new ControllerTestContext(new QuorumControllerOptions
        {
            BrokerSessionTimeout = TimeSpan.FromSeconds(3),
            LeaderImbalanceCheckInterval = TimeSpan.FromSeconds(5),
        }, seed);
        var batches = new List<List<MetadataRecord>>();
        var alive = new HashSet<int>();
        var incarnations = new Dictionary<int, Guid>();
        string[] racks = ["a", "b", "c"];
        void Run<T>(ControllerResult<T> r)
        {
            if (r.Records.Count > 0) batches.Add([.. r.Records]);
            ctx.Controller.Replay(r.Records);
        }
        string? RandomTopic()
        {
            var names = ctx.Image.TopicIdsByName.Keys.ToList();
            return names.Count == 0 ? null : names[rng.Next(names.Count)];
        }
        for (var step = 0; step < steps; step++)
        {
            var c = ctx.Controller;
            switch (rng.Next(12))
            {
                case 0:
                    {
                        var id = rng.Next(6);
                        incarnations[id] = Uuids.NewUuid(rng);
                        var reply = c.RegisterBroker(new BrokerRegistrationRequest(id, incarnations[id], rng.Next(4) == 0 ? null : racks[id % 3], [new("PLAINTEXT", "h", 9000 + id)]));
                        Run(reply);
                        if (reply.Response.BrokerEpoch > 0) { ctx.Epochs[id] = reply.Response.BrokerEpoch; alive.Add(id); }
                        break;
                    }
                case 1:
                case 2:
                    foreach (var id in alive.ToList())
                        if (ctx.Epochs.TryGetValue(id, out var epoch))
                            Run(c.BrokerHeartbeat(new BrokerHeartbeatRequest(id, epoch, false, rng.Next(30) == 0)));
                    ctx.Time.Advance(TimeSpan.FromSeconds(1));
                    Run(c.Tick());
                    break;
                case 3:
                    if (alive.Count > 0) alive.Remove(alive.ElementAt(rng.Next(alive.Count)));
                    break;
                case 4:
                    Run(c.CreateTopics([new CreatableTopic($"t{rng.Next(8)}", 1 + rng.Next(4), (short)(1 + rng.Next(3)),
                        Configs: rng.Next(3) == 0 ? new Dictionary<string, string> { [ConfigNames.UncleanLeaderElectionEnable] = "true" } : null)]));
                    break;
                case 5:
                    if (RandomTopic() is { } del && rng.Next(3) == 0) Run(c.DeleteTopics([del]));
                    break;
                case 6:
                    if (RandomTopic() is { } grow) Run(c.CreatePartitions([new CreatePartitionsTopic(grow, ctx.Image.GetTopic(grow)!.Partitions.Count + 1)]));
                    break;
                case 7:
                    if (RandomTopic() is { } cfg)
                        Run(c.IncrementalAlterConfigs([new AlterConfigsResource(ConfigResource.Topic(cfg),
                            [new AlterableConfig("retention.ms", rng.Next(2) == 0 ? AlterConfigOp.Set : AlterConfigOp.Delete, rng.Next(100000).ToString())])]));
                    break;
                case 8:
                    // A leader adds every live eligible replica to its ISR, or drops a dead one.
                    foreach (var topic in ctx.Image.TopicsById.Values)
                        foreach (var (index, p) in topic.Partitions)
                        {
                            if (!p.HasLeader || !alive.Contains(p.Leader) || rng.Next(2) == 0) continue;
                            var isr = p.Replicas.Where(r => r == p.Leader || (alive.Contains(r) && ctx.Image.Brokers.TryGetValue(r, out var b) && b.IsEligibleReplica)).ToArray();
                            Run(c.AlterPartition(new AlterPartitionRequest(p.Leader, ctx.Image.Brokers[p.Leader].Epoch,
                                [new AlterPartitionItem(topic.Id, index, p.LeaderEpoch, isr, p.PartitionEpoch)])));
                        }
                    break;
                case 9:
                    if (RandomTopic() is { } re)
                    {
                        var target = Enumerable.Range(0, 6).Where(ctx.Image.Brokers.ContainsKey).OrderBy(_ => rng.Next()).Take(1 + rng.Next(3)).ToList();
                        Run(c.AlterPartitionReassignments([new ReassignmentRequest(re, 0, rng.Next(4) == 0 ? null : target)]));
                    }
                    break;
                case 10:
                    Run(c.ElectLeaders(rng.Next(2) == 0 ? ElectionType.Preferred : ElectionType.Unclean, null));
                    break;
                case 11:
                    if (alive.Count > 0)
                    {
                        var id = alive.ElementAt(rng.Next(alive.Count));
                        if (ctx.Epochs.TryGetValue(id, out var epoch)) Run(c.AllocateProducerIds(id, epoch));
                        if (rng.Next(10) == 0) Run(c.IncrementalAlterConfigs([new AlterConfigsResource(ConfigResource.ClusterDefault,
                            [new AlterableConfig(ConfigNames.UncleanLeaderElectionEnable, AlterConfigOp.Set, rng.Next(2) == 0 ? "true" : "false")])]));
                        if (rng.Next(15) == 0) Run(c.UnregisterBroker(rng.Next(6)));
                    }
                    break;
            }
        }
        return batches;
    }
}
