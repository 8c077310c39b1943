namespace Fjord.Chaos.Nemesis;

/// <summary>How many faults of each kind were injected. Thread-safe: nemesis lanes count concurrently.</summary>
public sealed class FaultCounts
{
    private int _kills;
    private int _pauses;
    private int _partitions;
    private int _coordinatorFaults;

    public int Kills => Volatile.Read(ref _kills);

    public int Pauses => Volatile.Read(ref _pauses);

    public int Partitions => Volatile.Read(ref _partitions);

    public int Total => Kills + Pauses + Partitions;

    /// <summary>Faults whose victim was a transaction coordinator's broker, picked as such (transactional workload).</summary>
    public int CoordinatorFaults => Volatile.Read(ref _coordinatorFaults);

    public void CountCoordinatorFault() => Interlocked.Increment(ref _coordinatorFaults);

    public void Count(FaultKind kind)
    {
        switch (kind)
        {
            case FaultKind.Kill: Interlocked.Increment(ref _kills); break;
            case FaultKind.Pause: Interlocked.Increment(ref _pauses); break;
            case FaultKind.Partition: Interlocked.Increment(ref _partitions); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
