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
/// forwarded unchanged to the controller (<see cref="ControllerForwarder"/>), whose own handler answers. While a
/// controller election settles, both are tried again for a short while, as Kafka's forwarding manager re-sends
/// to the new controller; only then does the caller get NOT_CONTROLLER, so clients refresh metadata and retry.
/// A request that arrived forwarded is answered at once (the forwarding broker does the retrying).
/// The one implementation of that rule for every cluster admin handler and the admin gRPC service.
/// Thread-safe; called from request handlers.
/// </summary>
public sealed class ControllerRequestRouter(ControllerHost controller, ControllerForwarder forwarder)
{
    /// <summary>How long a request waits for an election to settle before NOT_CONTROLLER (elections take well under a second).</summary>
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="command"/> on the local controller and builds the response from its result with
    /// <paramref name="respond"/>, or forwards <paramref name="request"/>; <paramref name="errorResponse"/>
    /// fails every part of the request with NOT_CONTROLLER when neither has worked by the end of the election wait.
    /// </summary>
    public async ValueTask<IResponseMessage> RunAsync<TResult, TResponse>(
        RequestContext context,
        IRequestMessage request,
        Func<QuorumController, ControllerResult<TResult>> command,
        Func<TResult, TResponse> respond,
        Func<ErrorCode, IResponseMessage> errorResponse)
        where TResponse : class, IResponseMessage, new()
    {
        var giveUpAt = DateTime.UtcNow + ElectionWait;
        while (true)
        {
            try
            {
                return respond(await controller.SubmitAsync(command).ConfigureAwait(false));
            }
            catch (NotControllerException)
            {
                if (await forwarder.ForwardAsync<TResponse>(context, request, context.ConnectionClosed).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
            if (ControllerForwarder.IsForwarded(context) || DateTime.UtcNow >= giveUpAt || context.ConnectionClosed.IsCancellationRequested)
            {
                return errorResponse(ErrorCode.NotController);
            }
            await Task.Delay(RetryPause, context.ConnectionClosed).ConfigureAwait(false);
        }
    }
}
