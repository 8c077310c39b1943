using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Protocol;

namespace Fjord.Coordinator.Tests;

/// <summary>The server-side assignors over seeded random groups: every subscribed partition once, only to subscribers, balanced.</summary>
public sealed class ConsumerGroupAssignorTests
{
    public static TheoryData<string> Assignors => ["uniform", "range"];

    [Theory]
    [MemberData(nameof(Assignors))]
    public void RandomGroups_EveryPartitionOfASubscribedTopicGoesToExactlyOneSubscriber(string name)
    {
        IConsumerGroupAssignor assignor = name == "uniform" ? new UniformAssignor() : new RangeAssignor();
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var topics = Enumerable.Range(1, random.Next(1, 5)).ToDictionary(t => new Uuid(t, t), _ => random.Next(1, 9));
            var members = new List<AssignmentMemberSpec>();
            ImmutableSortedSet<TopicIdPartition> previous = [];
            for (var m = 0; m < random.Next(1, 7); m++)
            {
                var subscribed = topics.Keys.Where(_ => random.Next(3) > 0).ToHashSet();
                members.Add(new AssignmentMemberSpec($"m{m}", subscribed, previous));
            }

            var assigned = assignor.Assign(members, topics);

            var owners = new Dictionary<TopicIdPartition, string>();
            foreach (var member in members)
            {
                foreach (var partition in assigned[member.MemberId])
                {
                    Assert.True(member.SubscribedTopicIds.Contains(partition.TopicId), $"seed {seed}: {member.MemberId} got {partition} without subscribing");
                    Assert.True(owners.TryAdd(partition, member.MemberId), $"seed {seed}: {partition} assigned twice");
                }
            }

            foreach (var (topicId, count) in topics)
            {
                var subscribed = members.Any(m => m.SubscribedTopicIds.Contains(topicId));
                for (var p = 0; p < count; p++)
                {
                    Assert.Equal(subscribed, owners.ContainsKey(new TopicIdPartition(topicId, p)));
                }
            }
        }
    }

    [Fact]
    public void Uniform_SameSubscriptions_DiffersByAtMostOne_AndKeepsPreviousOwnersInPlace()
    {
        var topic = new Uuid(1, 1);
        var counts = new Dictionary<Uuid, int> { [topic] = 10 };
        var all = new HashSet<Uuid> { topic };
        var first = new UniformAssignor().Assign([new AssignmentMemberSpec("a", all, []), new AssignmentMemberSpec("b", all, [])], counts);

        var second = new UniformAssignor().Assign(
            [new AssignmentMemberSpec("a", all, first["a"]), new AssignmentMemberSpec("b", all, first["b"]), new AssignmentMemberSpec("c", all, [])],
            counts);

        Assert.InRange(second.Values.Max(s => s.Count) - second.Values.Min(s => s.Count), 0, 1);
        Assert.Equal(3, second["c"].Count);
        Assert.Equal(7, second["a"].Intersect(first["a"]).Count + second["b"].Intersect(first["b"]).Count);
    }
}
