namespace Fjord.Raft.Tests.Simulation;

/// <summary>Defaults shared by `make sim` and the xunit run, so a seed failing in one replays in the other.</summary>
public static class SimulationDefaults
{
    public const int ChaosRounds = 300;
}
