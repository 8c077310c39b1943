namespace Fjord.Protocol;

/// <summary>A Kafka request body; <see cref="ApiKey"/> is its API key. Not thread-safe.</summary>
public interface IRequestMessage : IProtocolMessage
{
    short ApiKey { get; }
}
