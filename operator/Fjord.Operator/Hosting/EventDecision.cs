namespace Fjord.Operator.Hosting;

/// <summary>
/// How to write an Event: create it (<see cref="IsNew"/>) named <see cref="Name"/> with count 1, or patch the existing
/// Event of that name to <see cref="Count"/> and a new lastTimestamp. Immutable.
/// </summary>
public sealed record EventDecision(string Name, int Count, DateTimeOffset FirstTimestamp, bool IsNew);
