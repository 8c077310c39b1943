using Fjord.Protocol.Errors;

namespace Fjord.Broker.Topics;

/// <summary>The outcome of a topic command: an error code (None on success), a message for the client, the topic after it.</summary>
public readonly record struct TopicOperationResult(ErrorCode Error, string? Message, TopicMetadata? Topic)
{
    public static TopicOperationResult Ok(TopicMetadata topic) => new(ErrorCode.None, null, topic);

    public static TopicOperationResult Fail(ErrorCode error, string message) => new(error, message, null);
}
