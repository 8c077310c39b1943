namespace Fjord.Raft.Tests.Simulation;

/// <summary>A safety or liveness property failed at a given simulator step.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);
