using System.Collections.Immutable;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>One member as an assignor sees it: the topics it subscribes to (resolved to ids) and its previous target, for stickiness. Immutable.</summary>
public sealed record AssignmentMemberSpec(string MemberId, IReadOnlySet<Uuid> SubscribedTopicIds, ImmutableSortedSet<TopicIdPartition> PreviousTarget);
