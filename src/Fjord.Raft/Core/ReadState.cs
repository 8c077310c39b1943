namespace Fjord.Raft;

/// <summary>
/// A completed ReadIndex request: once the application has applied up to <see cref="Index"/>, a read
/// tagged <see cref="Context"/> may be served linearizably (dissertation §6.4). Immutable.
/// </summary>
public sealed record ReadState(ulong Index, byte[] Context);
