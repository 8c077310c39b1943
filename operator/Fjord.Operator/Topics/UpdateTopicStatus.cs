using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Write the FjordTopic's status subresource.</summary>
public sealed record UpdateTopicStatus(Crds.V1Alpha1FjordTopicStatus Status) : ReconcileAction;
