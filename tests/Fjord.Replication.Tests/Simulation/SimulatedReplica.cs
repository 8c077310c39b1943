namespace Fjord.Replication.Tests.Simulation;

/// <summary>
/// One broker's replica of the simulated partition: its log as the leader epoch of each record (the offset is the
/// index), the high watermark it last learned, and whether the process is up. Logs survive a crash (every append
/// is durable here). Not thread-safe: owned by one <see cref="ReplicationSimulation"/>.
/// </summary>
public sealed class SimulatedReplica(int id)
{
    public int Id { get; } = id;

    public List<int> Log { get; } = [];

    public long HighWatermark { get; set; }

    public bool IsAlive { get; set; } = true;

    public long LogEndOffset => Log.Count;
}
