namespace Fjord.Storage;

/// <summary>Kafka's <c>message.timestamp.type</c>: whose clock a record's timestamp comes from.</summary>
public enum MessageTimestampType
{
    /// <summary><c>CreateTime</c>: the producer's timestamp is kept.</summary>
    CreateTime = 0,

    /// <summary><c>LogAppendTime</c>: the broker stamps each batch with its own clock on append.</summary>
    LogAppendTime = 1,
}
