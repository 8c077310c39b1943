using Fjord.Raft;

namespace Fjord.Metadata;

/// <summary>
/// The metadata log's <see cref="IRaftStateMachine"/>: replays committed Raft entries into the committed
/// <see cref="MetadataImage"/>, loads Raft snapshots (the image's records, <see cref="MetadataImage.ToRecords"/>)
/// and takes them. Every node — voter or learner, active controller or not — runs one; the active
/// controller keeps its own uncommitted view (<see cref="QuorumController.Image"/>) and is rebuilt from
/// this image when it takes over. Not thread-safe: called only from the Raft driver's loop;
/// <see cref="Image"/> may be read from any thread (it is an immutable object swapped atomically).
/// </summary>
public sealed class MetadataStateMachine : IRaftStateMachine
{
    private readonly List<IMetadataPublisher> _publishers = [];
    private volatile MetadataImage _image = MetadataImage.Empty;

    /// <summary>The committed image.</summary>
    public MetadataImage Image => _image;

    /// <summary>Raft index of the last entry applied (including no-ops and membership changes).</summary>
    public ulong AppliedIndex { get; private set; }

    /// <summary>Adds a publisher; it first receives the current image. Call on the apply loop (or before it starts).</summary>
    public void AddPublisher(IMetadataPublisher publisher)
    {
        _publishers.Add(publisher);
        publisher.Publish(_image, null);
    }

    /// <inheritdoc/>
    public void Apply(in Entry entry)
    {
        if (entry.Index <= AppliedIndex) return;
        if (entry.Index != AppliedIndex + 1)
            throw new InvalidOperationException($"metadata entry {entry.Index} applied after {AppliedIndex}");
        AppliedIndex = entry.Index;
        if (entry.Type != EntryType.Normal || entry.Data.IsEmpty)
        {
            _image = new MetadataDelta(_image).Apply(entry.Index);
            return;
        }
        var delta = new MetadataDelta(_image);
        delta.Replay(MetadataBatchCodec.DecodeRecords(entry.Data.Span));
        _image = delta.Apply(entry.Index);
        foreach (var p in _publishers) p.Publish(_image, delta);
    }

    /// <inheritdoc/>
    public void Restore(Snapshot snapshot)
    {
        AppliedIndex = snapshot.Metadata.Index;
        _image = MetadataImage.FromRecords(MetadataBatchCodec.DecodeRecords(snapshot.Data.Span), snapshot.Metadata.Index);
        foreach (var p in _publishers) p.Publish(_image, null);
    }

    /// <inheritdoc/>
    public byte[] TakeSnapshot() => MetadataBatchCodec.EncodeRecords(_image.ToRecords());
}
