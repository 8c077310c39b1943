namespace Fjord.Operator.Reconciling;

/// <summary>
/// Moves the live controller quorum towards <c>spec.controllers</c> (the voters are nodes 0 .. controllers-1) one
/// voter at a time, as KIP-853 requires: first the lowest missing node once it follows the log as a caught-up observer,
/// then, only when nothing is missing, the highest voter that should not be one. Growing before shrinking keeps the
/// quorum as large as possible throughout. Pure; any thread.
/// </summary>
public static class VoterPlanner
{
    /// <summary>How far (metadata log entries) an observer may trail the commit index and still be promoted; the broker refuses beyond 100.</summary>
    public const long CaughtUpLag = 50;

    /// <returns>The change to make now, or null when the quorum is as asked or the next change must wait; <paramref name="waiting"/> says for what.</returns>
    public static ChangeVoter? Next(int controllers, ObservedQuorum quorum, out string? waiting)
    {
        waiting = null;
        var missing = Enumerable.Range(0, controllers).Where(id => !quorum.Voters.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            var next = missing[0];
            if (quorum.ObserverLag.TryGetValue(next, out var lag) && lag >= 0 && lag <= CaughtUpLag)
            {
                return new ChangeVoter(next, Add: true);
            }
            waiting = $"broker {next} must follow the metadata log as a caught-up observer before it becomes a voter";
            return null;
        }
        var extra = quorum.Voters.Where(id => id >= controllers).OrderDescending().ToList();
        return extra.Count > 0 ? new ChangeVoter(extra[0], Add: false) : null;
    }
}
