using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>The outcome for one topic of DeleteTopics (named by name or by id). Immutable.</summary>
public sealed record DeleteTopicResult(string? Name, Guid TopicId, ErrorCode Error, string? Message);
