namespace Fjord.Operator.Reconciling;

/// <summary>
/// A broker pod as the informer last saw it. <paramref name="Revision"/> is its controller-revision-hash label;
/// <paramref name="NotReadySince"/> is when its Ready condition last turned false (null while ready or unknown).
/// </summary>
public sealed record ObservedPod(string Name, int Ordinal, bool Ready, bool Terminating, string? Revision, DateTimeOffset? NotReadySince = null);
