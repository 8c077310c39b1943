namespace Fjord.Raft;

/// <summary>Volatile state worth telling the application about (who leads, what we are). Immutable.</summary>
public readonly record struct SoftState(ulong Leader, StateRole Role);
