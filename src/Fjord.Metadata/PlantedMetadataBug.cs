namespace Fjord.Metadata;

/// <summary>
/// Known bugs the metadata simulation must catch (docs/metadata.md), planted on purpose by the planted-bug tests
/// through <see cref="PlantedMetadataBugs"/>. Test-only; nothing in configuration reaches it.
/// </summary>
[Flags]
internal enum PlantedMetadataBug
{
    None = 0,

    /// <summary>The controller activates as soon as its node leads, before applying its log up to an entry of its own term.</summary>
    ActivateBeforeCatchingUp = 1,

    /// <summary>A partition change that sets a leader keeps the old leader epoch.</summary>
    NoEpochBumpOnLeaderChange = 2,

    /// <summary>Leader election takes any eligible replica, in the ISR or not.</summary>
    ElectionIgnoresIsr = 4,

    /// <summary>Fencing a broker whose session expired leaves it leading and in the ISR.</summary>
    FencingLeavesLeaderships = 8,
}
