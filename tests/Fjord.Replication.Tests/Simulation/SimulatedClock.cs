namespace Fjord.Replication.Tests.Simulation;

/// <summary>The simulation's clock: timestamps are milliseconds the simulation advances itself. Not thread-safe.</summary>
public sealed class SimulatedClock : TimeProvider
{
    public long NowMs { get; private set; }

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => NowMs;

    public void Advance(long ms) => NowMs += ms;
}
