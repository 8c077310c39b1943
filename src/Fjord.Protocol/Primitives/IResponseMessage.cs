namespace Fjord.Protocol;

/// <summary>A Kafka response body; <see cref="ApiKey"/> is the API key of its request. Not thread-safe.</summary>
public interface IResponseMessage : IProtocolMessage
{
    short ApiKey { get; }
}
