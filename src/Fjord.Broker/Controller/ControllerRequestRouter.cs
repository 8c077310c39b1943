using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// Where a cluster-mode admin request runs (KIP-590): its controller command on this node's
/// <see cref="ControllerHost"/> when this node is the active controller; otherwise the Kafka request is
/// forwarded unchanged to the controller (<see cref="ControllerForwarder"/>), whose own handler answers. Only
/// when neither works does the caller get NOT_CONTROLLER, so clients refresh metadata and retry there.
/// The one implementation of that rule for every cluster admin handler and the admin gRPC service.
/// Thread-safe; called from request handlers.
/// </summary>
public sealed class ControllerRequestRouter(ControllerHost controller, ControllerForwarder forwarder)
{
    /// <summary>
    /// Runs <paramref name="command"/> on the local controller and builds the response from its result with
    /// <paramref name="respond"/>, or forwards <paramref name="request"/>; <paramref name="errorResponse"/>
    /// fails every part of the request with NOT_CONTROLLER when both fail.
    /// </summary>
    public async ValueTask<IResponseMessage> RunAsync<TResult, TResponse>(
        RequestContext context,
        IRequestMessage request,
        Func<QuorumController, ControllerResult<TResult>> command,
        Func<TResult, TResponse> respond,
        Func<ErrorCode, IResponseMessage> errorResponse)
        where TResponse : class, IResponseMessage, new()
    {
        TResult result;
        try
        {
            result = await controller.SubmitAsync(command).ConfigureAwait(false);
        }
        catch (NotControllerException)
        {
            return await forwarder.ForwardAsync<TResponse>(context, request, context.ConnectionClosed).ConfigureAwait(false)
                ?? errorResponse(ErrorCode.NotController);
        }
        return respond(result);
    }
}
