using Fjord.Protocol;

namespace Fjord.Broker.Topics;

/// <summary>
/// What the broker knows of one topic: its id, partition count and the configs set on it
/// (overrides only; defaults come from the broker). Immutable; replaced whole on change.
/// </summary>
public sealed record TopicMetadata(
    string Name,
    Uuid TopicId,
    int PartitionCount,
    short ReplicationFactor,
    IReadOnlyDictionary<string, string> ConfigOverrides,
    bool IsInternal)
{
    public const string ConsumerOffsetsTopic = "__consumer_offsets";
}
