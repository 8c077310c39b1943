namespace Fjord.Storage;

/// <summary>
/// What a producer-state entry remembers about one of a producer's recent batches (Kafka's
/// <c>BatchMetadata</c>): its sequence range and where it landed, so a retried batch can be answered
/// with its original offsets. Immutable.
/// </summary>
public readonly record struct BatchMetadata(int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);
