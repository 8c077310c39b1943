using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Controller;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Cluster;

/// <summary>
/// Keeps this broker registered with the active controller (KIP-631): registers a new incarnation,
/// then heartbeats every <c>broker.heartbeat.interval.ms</c>; re-registers when the controller no longer knows
/// the epoch. The controller is the Raft leader: called in-process when it is this node, over the
/// ControllerService gRPC otherwise. Runs on its own background task; not called by anyone else.
/// Not done yet: controlled shutdown on SIGTERM, want_fence until the metadata log is caught up.
/// </summary>
public sealed partial class BrokerLifecycleService(
    BrokerConfig config, MetadataQuorum quorum, ControllerHost controller, ControllerChannels channels, LocalBrokerRegistration registration,
    ILogger<BrokerLifecycleService> logger) : BackgroundService
{
    /// <summary><c>broker.heartbeat.interval.ms</c>.</summary>
    private readonly TimeSpan _heartbeatInterval = HeartbeatIntervalOf(config);

    /// <summary>The configured <c>broker.heartbeat.interval.ms</c>.</summary>
    public static TimeSpan HeartbeatIntervalOf(BrokerConfig config) => TimeSpan.FromMilliseconds(config.GetInt("broker.heartbeat.interval.ms"));

    private readonly Guid _incarnation = Guid.NewGuid();
    private long _epoch = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var controllerId = quorum.LeaderNodeId;
                if (controllerId >= 0)
                {
                    if (_epoch < 0) await RegisterAsync(controllerId, stoppingToken).ConfigureAwait(false);
                    else await HeartbeatAsync(controllerId, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LifecycleLog.CallFailed(logger, quorum.LeaderNodeId, e.Message);
            }
            try
            {
                await Task.Delay(_epoch < 0 ? TimeSpan.FromMilliseconds(200) : _heartbeatInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RegisterAsync(int controllerId, CancellationToken cancel)
    {
        ErrorCode error;
        long epoch;
        if (controllerId == config.NodeId)
        {
            var endpoints = new List<BrokerEndpointInfo> { new("PLAINTEXT", config.KafkaAdvertised.Host, config.KafkaAdvertised.Port) };
            var request = new Metadata.BrokerRegistrationRequest(config.NodeId, _incarnation, config.Rack, endpoints);
            try
            {
                var reply = await controller.SubmitAsync(c => c.RegisterBroker(request)).WaitAsync(cancel).ConfigureAwait(false);
                (error, epoch) = (reply.Error, reply.BrokerEpoch);
            }
            catch (NotControllerException)
            {
                return;
            }
        }
        else
        {
            var request = new Rpc.Controller.BrokerRegistrationRequest { BrokerId = config.NodeId, IncarnationId = Uuids.ToByteString(_incarnation) };
            if (config.Rack is not null) request.Rack = config.Rack;
            request.Endpoints.Add(new Rpc.Controller.Endpoint { Name = "PLAINTEXT", Host = config.KafkaAdvertised.Host, Port = config.KafkaAdvertised.Port });
            var reply = await Client(controllerId).RegisterBrokerAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancel).ConfigureAwait(false);
            (error, epoch) = ((ErrorCode)reply.ErrorCode, reply.BrokerEpoch);
        }
        if (error == ErrorCode.None)
        {
            _epoch = epoch;
            registration.Registered(epoch);
            LifecycleLog.Registered(logger, config.NodeId, epoch, controllerId);
        }
        else if (error != ErrorCode.NotController)
        {
            LifecycleLog.Refused(logger, config.NodeId, error.ToString());
        }
    }

    private async Task HeartbeatAsync(int controllerId, CancellationToken cancel)
    {
        ErrorCode error;
        if (controllerId == config.NodeId)
        {
            var request = new Metadata.BrokerHeartbeatRequest(config.NodeId, _epoch, WantFence: false, WantShutDown: false);
            try
            {
                error = (await controller.SubmitAsync(c => c.BrokerHeartbeat(request)).WaitAsync(cancel).ConfigureAwait(false)).Error;
            }
            catch (NotControllerException)
            {
                return;
            }
        }
        else
        {
            var reply = await Client(controllerId).BrokerHeartbeatAsync(
                new Rpc.Controller.BrokerHeartbeatRequest { BrokerId = config.NodeId, BrokerEpoch = _epoch, CurrentMetadataOffset = quorum.StateMachine.AppliedIndex },
                deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancel).ConfigureAwait(false);
            error = (ErrorCode)reply.ErrorCode;
        }
        // A new controller that never saw this epoch (or a fenced-out registration): start over.
        if (error is ErrorCode.BrokerIdNotRegistered or ErrorCode.StaleBrokerEpoch)
        {
            _epoch = -1;
            registration.Lost();
        }
    }

    private ControllerService.ControllerServiceClient Client(int controllerId) =>
        channels.ClientFor(controllerId) ?? throw new InvalidOperationException($"controller {controllerId} is not a known voter");

    private static partial class LifecycleLog
    {
        [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Broker {NodeId} registered with epoch {Epoch} at controller {ControllerId}")]
        public static partial void Registered(ILogger logger, int nodeId, long epoch, int controllerId);

        [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Broker {NodeId} registration refused: {Error}")]
        public static partial void Refused(ILogger logger, int nodeId, string error);

        [LoggerMessage(EventId = 6012, Level = LogLevel.Debug, Message = "Controller call to {ControllerId} failed: {Message}")]
        public static partial void CallFailed(ILogger logger, int controllerId, string message);
    }
}
