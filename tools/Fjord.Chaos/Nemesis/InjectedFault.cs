namespace Fjord.Chaos.Nemesis;

/// <summary>A fault as it happened: which step, what, which node, when it started and when it was healed (UTC). Immutable.</summary>
public sealed record InjectedFault(int Number, string Kind, int Node, bool WasController, DateTime StartedUtc, DateTime HealedUtc)
{
    public override string ToString() =>
        $"#{Number} {Kind} of node {Node}{(WasController ? " (the controller)" : "")} {StartedUtc:HH:mm:ss.f}-{HealedUtc:HH:mm:ss.f}";
}
