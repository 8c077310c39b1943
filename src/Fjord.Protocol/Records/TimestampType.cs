namespace Fjord.Protocol.Records;

/// <summary>
/// What the timestamps of a record batch mean, from bit 3 of the batch attributes.
/// </summary>
public enum TimestampType : byte
{
    /// <summary>Timestamps were set by the producer.</summary>
    CreateTime = 0,

    /// <summary>
    /// The broker stamped the batch on append; every record's timestamp is then the batch's
    /// MaxTimestamp, whatever its delta says (KIP-32).
    /// </summary>
    LogAppendTime = 1,
}
