namespace Fjord.Operator.DesiredState;

/// <summary>What the operator found out about the Kubernetes cluster it runs in (discovery), as planner input. Immutable.</summary>
public sealed record ObservedCapabilities(bool ServiceMonitorCrdExists);
