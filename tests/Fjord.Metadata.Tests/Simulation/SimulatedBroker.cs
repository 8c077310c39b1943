namespace Fjord.Metadata.Tests.Simulation;

/// <summary>
/// A broker process as the controller sees it: an incarnation, the epoch it registered with, whether it
/// is up, cut off from the controllers, or shutting down. Not thread-safe; owned by the simulation.
/// </summary>
internal sealed class SimulatedBroker(int id, string rack)
{
    public int Id { get; } = id;
    public string Rack { get; } = rack;
    public bool Up { get; set; } = true;
    public Guid Incarnation { get; set; }
    public long Epoch { get; set; } = -1;
    /// <summary>Rounds left in which its requests to the controller are lost.</summary>
    public int CutOffRounds { get; set; }
    public bool ShuttingDown { get; set; }
}
