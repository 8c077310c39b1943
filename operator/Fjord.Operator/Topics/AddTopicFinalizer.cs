using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Add the <see cref="TopicFinalizer"/> to the FjordTopic.</summary>
public sealed record AddTopicFinalizer : ReconcileAction;
