namespace Fjord.Raft;

/// <summary>
/// Writes the initial membership of a brand-new group into a node's empty storage, as committed
/// configuration entries at indexes 1..n of term 1 (etcd's bootstrap). Keeping the first membership in
/// the log, not in a snapshot header, means a server added later learns it by replicating the log from
/// the start like everything else. Call once per initial member before creating its <see cref="RaftNode"/>;
/// servers that join later start from empty storage. Not thread-safe.
/// </summary>
public static class RaftBootstrap
{
    /// <summary>The entries every initial member starts with.</summary>
    public static Entry[] InitialEntries(ConfState members)
    {
        var entries = new List<Entry>();
        ulong index = 0;
        foreach (var id in members.Voters)
            entries.Add(new Entry(1, ++index, EntryType.ConfChange, new ConfChange(ConfChangeType.AddVoter, id).Encode()));
        foreach (var id in members.Learners)
            entries.Add(new Entry(1, ++index, EntryType.ConfChange, new ConfChange(ConfChangeType.AddLearner, id).Encode()));
        return [.. entries];
    }

    /// <summary>Bootstraps <paramref name="storage"/>, which must be empty.</summary>
    public static void Bootstrap(IRaftStorage storage, ConfState members)
    {
        if (members.Voters.Count == 0) throw new ArgumentException("a group needs at least one voter");
        if (storage.LastIndex != 0 || !storage.HardState.IsEmpty)
            throw new InvalidOperationException("storage is not empty; bootstrap only brand-new nodes");
        var entries = InitialEntries(members);
        storage.Save(new HardState(1, 0, (ulong)entries.Length), null, entries, sync: true);
    }
}
