using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;
namespace Fjord.Broker.Controller;

/// <summary>
/// This node is not the active controller (or stopped being it before the records committed);
/// <see cref="ControllerId"/> is the controller it knows of, -1 when unknown. Callers answer NOT_CONTROLLER.
/// </summary>
public sealed class NotControllerException(int controllerId)
    : Exception($"not the active controller (controller is {controllerId})")
{
    public int ControllerId { get; } = controllerId;
}
