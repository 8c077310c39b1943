namespace Fjord.Chaos.Workload;

/// <summary>
/// A write the cluster acknowledged (acks=all, status Persisted): the unique value, where it was acknowledged,
/// which producer instance wrote it (<see cref="Session"/>: producer index and generation), the order that instance
/// produced it in (<see cref="ProduceIndex"/>), the position of this acknowledgement among all acknowledgements
/// (<see cref="AckSequence"/>) and when (to line it up with the fault log). Immutable.
/// </summary>
public sealed record AckedRecord(string Value, int Partition, long Offset, string Session, long ProduceIndex, long AckSequence, DateTime AckedAtUtc);
