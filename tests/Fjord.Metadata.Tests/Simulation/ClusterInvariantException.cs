namespace Fjord.Metadata.Tests.Simulation;

/// <summary>A broken safety or liveness property of the simulated cluster.</summary>
public sealed class ClusterInvariantException(string message) : Exception(message);
