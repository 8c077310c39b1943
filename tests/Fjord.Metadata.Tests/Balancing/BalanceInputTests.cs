using Fjord.Metadata.Balancing;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests.Balancing;

public sealed class BalanceInputTests
{
    [Fact]
    public void FromImage_WithAFencedBrokerADrainAndAReassignment_MarksBrokersAndTakesTargetsAndSizes()
    {
        var ctx = new ControllerTestContext().WithBrokers(4, "a", "b");
        var topic = ctx.CreateTopic("t", 4, 2);
        ctx.Advance(TimeSpan.FromMinutes(1), 0, 1, 2);
        Assert.True(ctx.Image.Brokers[3].Fenced);
        var original = ctx.Partition("t", 0).Replicas;
        int[] target = [.. new[] { 0, 1, 2, 3 }.Where(b => !original.Contains(b))];
        Assert.Equal(ErrorCode.None, ctx.Run(ctx.Controller.AlterPartitionReassignments([new ReassignmentRequest("t", 0, target)]))[0].Error);
        Assert.True(ctx.Partition("t", 0).IsReassigning);

        var sizes = new Dictionary<(string, int), long> { [("t", 0)] = 500, [("t", 1)] = 700 };
        var input = BalanceInput.FromImage(ctx.Image, sizes, [2]);

        Assert.Equal([0, 1, 2, 3], input.Brokers.Select(b => b.Id));
        Assert.False(input.Brokers.Single(b => b.Id == 3).Usable);
        Assert.True(input.Brokers.Single(b => b.Id == 2).Draining);
        Assert.Equal(["a", "b", "a", "b"], input.Brokers.Select(b => b.Rack));
        var p0 = input.Partitions.Single(p => p.Topic == "t" && p.Partition == 0);
        Assert.True(p0.Reassigning);
        Assert.Equal(target, p0.Replicas);
        Assert.Equal(500, p0.SizeBytes);
        Assert.Equal(700, input.Partitions.Single(p => p.Partition == 1).SizeBytes);
        Assert.Equal(0, input.Partitions.Single(p => p.Partition == 2).SizeBytes);
        Assert.Equal(topic.Partitions.Count, input.Partitions.Length);

        // Draining broker 2: its replicas go to 0 or 1 only (3 is fenced), except t-0 whose reassignment runs.
        var plan = BalancePlanner.Plan(input, new BalanceOptions(BalanceMode.DrainOnly));
        Assert.All(plan.Moves, m => Assert.DoesNotContain(3, m.AddingReplicas));
        Assert.All(plan.Moves, m => Assert.DoesNotContain(2, m.TargetReplicas));
        Assert.DoesNotContain(plan.Moves, m => m.Partition == 0);
    }
}
