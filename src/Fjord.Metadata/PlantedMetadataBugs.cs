namespace Fjord.Metadata;

/// <summary>
/// The mutation hook of the planted-bug tests: which <see cref="PlantedMetadataBug"/>s are live on the calling thread.
/// Per thread, so a seeded single-threaded simulation can plant a bug while other tests (and the other seeds running
/// in parallel) see none; internal and set only by tests (InternalsVisibleTo), so production always runs with None.
/// </summary>
internal static class PlantedMetadataBugs
{
    [ThreadStatic]
    private static PlantedMetadataBug t_active;

    /// <summary>Whether <paramref name="bug"/> is planted on this thread.</summary>
    public static bool Has(PlantedMetadataBug bug) => bug != PlantedMetadataBug.None && (t_active & bug) == bug;

    /// <summary>Plants <paramref name="bugs"/> on this thread until the returned scope is disposed.</summary>
    public static Scope Plant(PlantedMetadataBug bugs)
    {
        var previous = t_active;
        t_active = bugs;
        return new Scope(previous);
    }

    /// <summary>Restores the bugs planted before <see cref="Plant"/>.</summary>
    public readonly struct Scope(PlantedMetadataBug previous) : IDisposable
    {
        public void Dispose() => t_active = previous;
    }
}
