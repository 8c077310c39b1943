namespace Fjord.Raft;

/// <summary>What a log entry carries. Immutable value; safe on any thread.</summary>
public enum EntryType : byte
{
    /// <summary>An opaque command for the state machine (empty for a leader's no-op, Raft paper §8).</summary>
    Normal = 0,

    /// <summary>An encoded <see cref="ConfChange"/>; it takes effect when committed.</summary>
    ConfChange = 1,
}
