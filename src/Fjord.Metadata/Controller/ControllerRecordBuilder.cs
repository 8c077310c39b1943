using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// The scratch state of one controller command: the records decided so far and the image they lead to,
/// so later decisions in the same command see earlier ones (two topics in one CreateTopics are placed
/// with each other's load counted). Not thread-safe; lives for one command on the controller's loop.
/// </summary>
internal sealed class ControllerRecordBuilder(MetadataImage image)
{
    private readonly MetadataDelta _delta = new(image);
    private readonly List<MetadataRecord> _records = [];

    /// <summary>The image after the records so far.</summary>
    public MetadataImage Image { get; private set; } = image;

    /// <summary>The records so far.</summary>
    public IReadOnlyList<MetadataRecord> Records => _records;

    /// <summary>Appends a record and replays it into <see cref="Image"/>.</summary>
    public void Add(MetadataRecord record)
    {
        _delta.Replay(record);
        _records.Add(record);
        Image = _delta.Apply(Image.Offset);
    }

    /// <summary>Appends a partition change when there is one.</summary>
    public void Add(PartitionChangeRecord? change)
    {
        if (change is not null) Add(new MetadataRecord { PartitionChange = change });
    }

    /// <summary>The command's result with the records decided.</summary>
    public ControllerResult<T> Result<T>(T response) => new([.. _records], response);
}
