namespace Fjord.Raft;

/// <summary>
/// One piece of an InstallSnapshot transfer (Raft paper §7, Figure 13: offset, data, done). Immutable;
/// safe on any thread. Every chunk repeats the metadata so a follower can tell transfers apart.
/// </summary>
public sealed record SnapshotChunk(SnapshotMetadata Metadata, long Offset, ReadOnlyMemory<byte> Data, bool Done, long TotalSize)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"snap {Metadata.Term}/{Metadata.Index} [{Offset}..{Offset + Data.Length}) of {TotalSize}{(Done ? " done" : "")}";
}
