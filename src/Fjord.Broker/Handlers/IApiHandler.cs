using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// Serves one Kafka API. Implementations are singletons called concurrently from many
/// connections; each call gets its own <see cref="RequestContext"/>.
/// </summary>
public interface IApiHandler
{
    ApiKey ApiKey { get; }

    /// <summary>Lowest version that is served; versions in [AdvertisedMinVersion, MinVersion) get UNSUPPORTED_VERSION.</summary>
    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>
    /// Lowest version put in ApiVersions. Lower than <see cref="MinVersion"/> only where a client
    /// decides features from the advertised range (librdkafka before 2.11.1 compresses only when
    /// Produce v0 is listed; see shared/kafka-protocol/CLIENTS.md §2).
    /// </summary>
    short AdvertisedMinVersion { get; }

    /// <summary>Handles the request; null means "send no response" (Produce with acks=0).</summary>
    ValueTask<IResponseMessage?> HandleAsync(RequestContext context, IRequestMessage request);

    /// <summary>A response that fails every part of <paramref name="request"/> with <paramref name="error"/>.</summary>
    IResponseMessage ErrorResponse(IRequestMessage request, ErrorCode error);
}

/// <summary>Typed base for handlers: casts once and leaves the typed work to the subclass.</summary>
public abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : class, IRequestMessage
    where TResponse : class, IResponseMessage
{
    public abstract ApiKey ApiKey { get; }

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

    public virtual short AdvertisedMinVersion => MinVersion;

    public ValueTask<IResponseMessage?> HandleAsync(RequestContext context, IRequestMessage request) =>
        HandleTypedAsync(context, (TRequest)request);

    public IResponseMessage ErrorResponse(IRequestMessage request, ErrorCode error) => ErrorResponse((TRequest)request, error);

    protected abstract ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, TRequest request);

    protected abstract TResponse ErrorResponse(TRequest request, ErrorCode error);
}
