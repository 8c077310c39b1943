namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>
/// kube-controller-manager's "expectations": after a ReplicaSet sync creates or deletes pods, the informer cache
/// lags the API server, and planning again from it would create the same pods twice. The shell records the names
/// it wrote and skips scaling until the cache shows every one of them (or a timeout passes, in case a watch event
/// was lost). Not thread-safe; owned by the ReplicaSet controller's worker.
/// </summary>
internal sealed class CreationExpectations(TimeProvider time, TimeSpan timeout)
{
    private readonly Dictionary<string, Pending> _pending = [];

    public void ExpectCreated(string owner, IEnumerable<string> names) => Get(owner).Created.UnionWith(names);

    public void ExpectDeleted(string owner, IEnumerable<string> names) => Get(owner).Deleted.UnionWith(names);

    /// <summary>True when every expected pod has been observed (created ones present, deleted ones gone).</summary>
    public bool Satisfied(string owner, IReadOnlySet<string> observedNames)
    {
        if (!_pending.TryGetValue(owner, out var pending))
        {
            return true;
        }
        pending.Created.ExceptWith(observedNames);
        pending.Deleted.IntersectWith(observedNames);
        if ((pending.Created.Count == 0 && pending.Deleted.Count == 0) || time.GetUtcNow() - pending.Since > timeout)
        {
            _pending.Remove(owner);
            return true;
        }
        return false;
    }

    public void Forget(string owner) => _pending.Remove(owner);

    private Pending Get(string owner)
    {
        if (!_pending.TryGetValue(owner, out var pending))
        {
            pending = new Pending(time.GetUtcNow());
            _pending[owner] = pending;
        }
        return pending;
    }

    private sealed record Pending(DateTimeOffset Since)
    {
        public HashSet<string> Created { get; } = [];

        public HashSet<string> Deleted { get; } = [];
    }
}
