namespace Fjord.Operator.Topics;

/// <summary>
/// Why a FjordTopic is not Ready: stalled until the spec or cluster changes (<paramref name="Progressing"/> false), or
/// on its way (true). Immutable.
/// </summary>
public sealed record TopicOutcome(string Reason, string Message, bool Progressing);
