namespace Fjord.Replication.Tests.Simulation;

/// <summary>A replication invariant failed at one step of one seed; the message names both so the run replays exactly.</summary>
public sealed class ReplicationInvariantException(string message) : Exception(message);
