using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// What a controller command decided (Kafka's ControllerResult): the records to append to the metadata
/// log and the response to send once they commit. Commands never mutate state themselves; the caller
/// proposes <see cref="Records"/> and replays them (<see cref="QuorumController.Replay"/>). Immutable.
/// </summary>
public sealed record ControllerResult<T>(IReadOnlyList<MetadataRecord> Records, T Response)
{
    /// <summary>True when there is nothing to append (answer at once).</summary>
    public bool IsReadOnly => Records.Count == 0;
}
