namespace Fjord.Raft;

/// <summary>
/// A state-machine image covering every entry up to <see cref="SnapshotMetadata.Index"/>. Immutable;
/// safe on any thread. The data is opaque to raft.
/// </summary>
public sealed record Snapshot(SnapshotMetadata Metadata, ReadOnlyMemory<byte> Data)
{
    /// <summary>No snapshot: index 0.</summary>
    public static readonly Snapshot Empty = new(SnapshotMetadata.Empty, ReadOnlyMemory<byte>.Empty);

    /// <summary>True for index 0.</summary>
    public bool IsEmpty => Metadata.Index == 0;
}
