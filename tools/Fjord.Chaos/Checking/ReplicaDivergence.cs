namespace Fjord.Chaos.Checking;

/// <summary>The first place where a replica's log below the high watermark differs from the reference replica's. Immutable.</summary>
public sealed record ReplicaDivergence(int Partition, int ReferenceNode, int Node, long Offset, string What)
{
    public override string ToString() => $"partition {Partition}: node {Node} differs from node {ReferenceNode} at offset {Offset}: {What}";
}
