using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

/// <summary>
/// Kafka's GROUP config resource as the KIP-848 coordinator uses it: a group's consumer.heartbeat.interval.ms and
/// consumer.session.timeout.ms replace the broker's for its members, read at every heartbeat.
/// </summary>
public sealed class ConsumerGroupConfigTests
{
    [Fact]
    public void GroupHeartbeatInterval_IsWhatItsMembersAreTold_OtherGroupsKeepTheBrokers()
    {
        var configs = new GroupTimeoutsTable();
        configs.Set(ConsumerGroupTestContext.Group, new ConsumerGroupTimeouts(50_000, 7_000));
        var context = new ConsumerGroupTestContext(groupConfigs: configs);
        context.Topics.Create("t", 2);

        Assert.Equal(7_000, context.Join("a", ["t"]).HeartbeatIntervalMs);

        var other = context.Send(new ConsumerGroupHeartbeatRequest
        {
            GroupId = "other", MemberId = "x", MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = ["t"], TopicPartitions = [],
        });
        Assert.Equal(5_000, other.HeartbeatIntervalMs);
    }

    [Fact]
    public void ChangedGroupConfig_AppliesFromTheNextHeartbeat()
    {
        var configs = new GroupTimeoutsTable();
        var context = new ConsumerGroupTestContext(groupConfigs: configs);
        context.Topics.Create("t", 2);
        Assert.Equal(5_000, context.Join("a", ["t"]).HeartbeatIntervalMs);

        configs.Set(ConsumerGroupTestContext.Group, new ConsumerGroupTimeouts(45_000, 9_000));
        Assert.Equal(9_000, context.Heartbeat("a").HeartbeatIntervalMs);
    }

    [Fact]
    public void GroupSessionTimeout_DecidesWhenASilentMemberIsFenced()
    {
        var configs = new GroupTimeoutsTable();
        configs.Set(ConsumerGroupTestContext.Group, new ConsumerGroupTimeouts(60_000, 5_000));
        var context = new ConsumerGroupTestContext(groupConfigs: configs);
        context.Topics.Create("t", 2);
        context.Join("a", ["t"]);
        context.Join("b", ["t"]);
        context.HeartbeatUntilStable("a", "b");

        // b goes silent; past the broker's 45 s it is still a member, because its group allows 60 s.
        for (var i = 0; i < 10; i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(0, context.Heartbeat("a").ErrorCode);
        }
        Assert.True(context.GroupState.Members.ContainsKey("b"), "b was fenced after 50 s although its group's session timeout is 60 s");

        for (var i = 0; i < 3; i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(0, context.Heartbeat("a").ErrorCode);
        }
        Assert.False(context.GroupState.Members.ContainsKey("b"), "b is still a member 65 s after its last heartbeat");
        context.Forget("b");
        var fenced = context.Send(new ConsumerGroupHeartbeatRequest { GroupId = ConsumerGroupTestContext.Group, MemberId = "b", MemberEpoch = 2 });
        Assert.Equal((short)ErrorCode.UnknownMemberId, fenced.ErrorCode);
    }

    /// <summary>Group configs held in memory, changed by the test as the metadata image would be.</summary>
    private sealed class GroupTimeoutsTable : IConsumerGroupConfigs
    {
        private readonly Dictionary<string, ConsumerGroupTimeouts> _byGroup = new(StringComparer.Ordinal);

        public void Set(string groupId, ConsumerGroupTimeouts timeouts) => _byGroup[groupId] = timeouts;

        public ConsumerGroupTimeouts For(string groupId, ConsumerGroupTimeouts defaults) => _byGroup.GetValueOrDefault(groupId, defaults);
    }
}
