namespace Fjord.Broker.Groups;

/// <summary>
/// The internal topics whose partition leaders are coordinators, each with the creator FindCoordinator uses when the
/// topic does not exist yet. Immutable; registered once by the control plane.
/// </summary>
public sealed record CoordinatorTopics(InternalTopicCreator ConsumerOffsets);
