using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Remove the <see cref="TopicFinalizer"/> from the FjordTopic, letting Kubernetes delete it.</summary>
public sealed record RemoveTopicFinalizer : ReconcileAction;
