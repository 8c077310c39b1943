using System.Buffers;
using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Messages;
using Fjord.Rpc.Controller;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// KIP-590 forwarding, broker side: an admin request that reached a broker which is not the active
/// controller is re-encoded (header + body, the client's version) and sent over the ControllerService
/// Forward RPC to the controller, which runs its own handler and returns the response body. Requests that
/// arrived by forwarding are never forwarded again (<see cref="IsForwarded"/>), so two nodes that disagree
/// about the controller cannot bounce a request between them. Thread-safe; called from request handlers.
/// </summary>
public sealed partial class ControllerForwarder(ControllerChannels channels, ILogger<ControllerForwarder> logger)
{
    /// <summary>The connection id of a <see cref="RequestContext"/> built for a forwarded request.</summary>
    public const string ForwardedConnectionId = "forwarded-from-broker";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>True when <paramref name="context"/> is a request another broker forwarded here.</summary>
    public static bool IsForwarded(RequestContext context) => context.ConnectionId == ForwardedConnectionId;

    /// <summary>
    /// Forwards <paramref name="request"/> at <paramref name="version"/> to the controller and decodes its answer;
    /// null when there is no other controller to ask, or it refused or could not be reached (answer NOT_CONTROLLER then).
    /// </summary>
    public async Task<TResponse?> ForwardAsync<TResponse>(RequestContext context, IRequestMessage request, CancellationToken cancel = default)
        where TResponse : class, IResponseMessage, new()
    {
        var controllerId = channels.ControllerId;
        if (IsForwarded(context) || controllerId < 0 || channels.IsLocal(controllerId) || channels.ClientFor(controllerId) is not { } client)
            return null;
        var version = context.ApiVersion;
        var header = new RequestHeader { RequestApiKey = request.ApiKey, RequestApiVersion = version, CorrelationId = context.CorrelationId, ClientId = context.ClientId };
        var forward = new ForwardRequest
        {
            RequestHeader = Encode(header, ApiMessages.RequestHeaderVersion(request.ApiKey, version)),
            RequestData = Encode(request, version),
            Principal = context.Principal,
            ClientHost = context.ClientHost,
        };
        try
        {
            var reply = await client
                .ForwardAsync(forward, deadline: DateTime.UtcNow + Deadline, cancellationToken: cancel).ConfigureAwait(false);
            if (reply.ErrorCode != 0) return null;
            var reader = new ProtocolReader(new ReadOnlySequence<byte>(reply.ResponseData.Memory));
            var response = new TResponse();
            response.Read(ref reader, version);
            return response;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or ProtocolException)
        {
            ForwarderLog.ForwardFailed(logger, request.ApiKey, controllerId, e.Message);
            return null;
        }
    }

    internal static ByteString Encode(IProtocolMessage message, short version)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(buffer);
        message.Write(ref writer, version);
        return ByteString.CopyFrom(buffer.WrittenSpan);
    }

    private static partial class ForwarderLog
    {
        [LoggerMessage(EventId = 6030, Level = LogLevel.Warning, Message = "Forwarding API {ApiKey} to controller {ControllerId} failed: {Message}")]
        public static partial void ForwardFailed(ILogger logger, short apiKey, int controllerId, string message);
    }
}
