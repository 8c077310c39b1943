namespace Fjord.Metadata.Scram;

/// <summary>
/// A user's credential slot: one per user and mechanism (Kafka keeps SCRAM-SHA-256 and SCRAM-SHA-512 credentials of a
/// user apart). Ordered by user, then mechanism id, so images and snapshots list credentials in a fixed order.
/// </summary>
public readonly record struct ScramCredentialKey(string User, sbyte Mechanism) : IComparable<ScramCredentialKey>
{
    public int CompareTo(ScramCredentialKey other)
    {
        var byUser = string.CompareOrdinal(User, other.User);
        return byUser != 0 ? byUser : Mechanism.CompareTo(other.Mechanism);
    }
}
