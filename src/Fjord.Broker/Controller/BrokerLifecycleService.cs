using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Raft;
using Fjord.Rpc.Controller;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// Keeps this broker registered with the active controller (KIP-631): registers a new incarnation,
/// then heartbeats every <c>broker.heartbeat.interval.ms</c> (every 200 ms while fenced or shutting down);
/// re-registers when the controller no longer knows the epoch. Heartbeats ask to stay fenced
/// (<c>want_fence</c>) until this node has applied its own registration record, i.e. caught up with the
/// metadata log as it stood when it registered.
/// <para>
/// Controlled shutdown (KIP-841): on SIGTERM the host calls <see cref="StoppingAsync"/> before any hosted
/// service stops, so the Kafka and rpc listeners still serve. Readiness drops at once; heartbeats then carry
/// <c>want_shut_down</c> until the controller, having moved every leadership and ISR membership away, answers
/// <c>should_shut_down</c> — bounded by <c>controlled.shutdown.timeout.ms</c> (default 15 s), after which the
/// broker stops anyway and the controller fences it when its session expires. A voter that leads the
/// metadata quorum then hands Raft leadership to another voter, so the next controller is elected without
/// waiting for an election timeout.
/// </para>
/// The controller is the Raft leader: called in-process when it is this node, over the ControllerService
/// gRPC otherwise. A remote call is abandoned as soon as the quorum elects another leader, and bounded by half
/// the session timeout: when the controller dies or is cut off, every broker's heartbeat would otherwise hang on
/// it while the new controller's fresh sessions (one session timeout from its activation) run out, and the new
/// controller would fence every broker at once — all partitions offline, and clients told there are no brokers.
/// Runs on its own background task; the host's lifetime calls are its only other callers.
/// </summary>
public sealed partial class BrokerLifecycleService(
    BrokerConfig config, MetadataQuorum quorum, ControllerHost controller, ControllerChannels channels, LocalBrokerRegistration registration,
    RaftStreamLifetime raftStreams, DataDirectoryId dataDirectory, TimeProvider time, ILogger<BrokerLifecycleService> logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan FastInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LeaderCheckInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxCallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LeadershipTransferTimeout = TimeSpan.FromSeconds(3);

    /// <summary><c>broker.heartbeat.interval.ms</c>.</summary>
    private readonly TimeSpan _heartbeatInterval = HeartbeatIntervalOf(config);

    /// <summary><c>controlled.shutdown.timeout.ms</c>.</summary>
    private readonly TimeSpan _controlledShutdownTimeout = ControlledShutdownTimeoutOf(config);

    /// <summary>How long one remote registration or heartbeat may take: half a session, at most 5 s.</summary>
    private readonly TimeSpan _callTimeout = CallTimeoutOf(config);

    private readonly Guid _incarnation = Guid.NewGuid();
    private readonly TaskCompletionSource _shutdownAllowed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _wake = new(0);
    private long _epoch = -1;

    /// <summary>The configured <c>broker.heartbeat.interval.ms</c>.</summary>
    public static TimeSpan HeartbeatIntervalOf(BrokerConfig config) => TimeSpan.FromMilliseconds(config.GetInt("broker.heartbeat.interval.ms"));

    /// <summary>The configured <c>controlled.shutdown.timeout.ms</c>.</summary>
    public static TimeSpan ControlledShutdownTimeoutOf(BrokerConfig config) => TimeSpan.FromMilliseconds(config.GetInt("controlled.shutdown.timeout.ms"));

    /// <summary>Half of <c>broker.session.timeout.ms</c>, at least one heartbeat interval, at most 5 s.</summary>
    public static TimeSpan CallTimeoutOf(BrokerConfig config)
    {
        var halfSession = TimeSpan.FromMilliseconds(config.GetInt("broker.session.timeout.ms") / 2.0);
        var atLeast = HeartbeatIntervalOf(config) > halfSession ? HeartbeatIntervalOf(config) : halfSession;
        return atLeast < MaxCallTimeout ? atLeast : MaxCallTimeout;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var controllerId = quorum.LeaderNodeId;
            var wasRegistered = _epoch >= 0;
            try
            {
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
                // A new controller gives every broker one session from its activation: reach it at once.
                if (quorum.LeaderNodeId != controllerId) continue;
                // Just registered: ask to be unfenced at once rather than a fast interval later (`make run` readiness).
                if (!wasRegistered && _epoch >= 0) continue;
                var fast = _epoch < 0 || registration.IsFenced || registration.IsShuttingDown;
                await _wake.WaitAsync(fast ? FastInterval : _heartbeatInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>KIP-841: runs before any hosted service (and so any listener) stops.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ControlledShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            raftStreams.ControlledShutdownOver();
        }
    }

    private async Task ControlledShutdownAsync(CancellationToken cancellationToken)
    {
        registration.ShutdownStarted();
        if (_epoch < 0 || _controlledShutdownTimeout <= TimeSpan.Zero) return;
        var started = time.GetTimestamp();
        LifecycleLog.ControlledShutdownStarted(logger, config.NodeId);
        _wake.Release();
        try
        {
            await _shutdownAllowed.Task.WaitAsync(_controlledShutdownTimeout, time, cancellationToken).ConfigureAwait(false);
            LifecycleLog.ControlledShutdownDone(logger, config.NodeId, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (TimeoutException)
        {
            LifecycleLog.ControlledShutdownTimedOut(logger, config.NodeId, _controlledShutdownTimeout.TotalMilliseconds);
        }
        catch (OperationCanceledException)
        {
            LifecycleLog.ControlledShutdownTimedOut(logger, config.NodeId, time.GetElapsedTime(started).TotalMilliseconds);
        }
        await HandOffQuorumLeadershipAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A leaving Raft leader transfers leadership (dissertation §3.10) instead of leaving the quorum to time out.</summary>
    private async Task HandOffQuorumLeadershipAsync(CancellationToken cancel)
    {
        var status = quorum.Driver.Status;
        if (status.Role != StateRole.Leader) return;
        var self = ClusterVoters.RaftId(config.NodeId);
        var transferee = status.Membership.Voters.FirstOrDefault(v => v != self);
        if (transferee == 0) return;
        quorum.Driver.Post(node => node.TransferLeadership(transferee));
        var transferStarted = time.GetTimestamp();
        while (quorum.Driver.Status.LeaderId == self && time.GetElapsedTime(transferStarted) < LeadershipTransferTimeout && !cancel.IsCancellationRequested)
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        LifecycleLog.QuorumLeadershipHandedOff(logger, config.NodeId, ClusterVoters.NodeId(quorum.Driver.Status.LeaderId));
    }

    private async Task RegisterAsync(int controllerId, CancellationToken cancel)
    {
        ErrorCode error;
        long epoch;
        if (controllerId == config.NodeId)
        {
            var endpoints = new List<BrokerEndpointInfo> { new("PLAINTEXT", config.KafkaAdvertised.Host, config.KafkaAdvertised.Port) };
            var request = new Metadata.BrokerRegistrationRequest(config.NodeId, _incarnation, config.Rack, endpoints, dataDirectory.Id);
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
            var request = new Rpc.Controller.BrokerRegistrationRequest { BrokerId = config.NodeId, IncarnationId = Uuids.ToByteString(_incarnation), LogDirId = Uuids.ToByteString(dataDirectory.Id) };
            if (config.Rack is not null) request.Rack = config.Rack;
            request.Endpoints.Add(new Rpc.Controller.Endpoint { Name = "PLAINTEXT", Host = config.KafkaAdvertised.Host, Port = config.KafkaAdvertised.Port });
            var reply = await CallRemoteControllerAsync(controllerId,
                abandon => Client(controllerId).RegisterBrokerAsync(request, deadline: DateTime.UtcNow + _callTimeout, cancellationToken: abandon).ResponseAsync, cancel).ConfigureAwait(false);
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
        if (!registration.IsCaughtUp && quorum.StateMachine.Image.Brokers.TryGetValue(config.NodeId, out var own) && own.Epoch == _epoch)
            registration.CaughtUp();
        var wantFence = !registration.IsCaughtUp;
        var wantShutDown = registration.IsShuttingDown;
        ErrorCode error;
        bool fenced, shouldShutDown;
        if (controllerId == config.NodeId)
        {
            var request = new Metadata.BrokerHeartbeatRequest(config.NodeId, _epoch, wantFence, wantShutDown);
            try
            {
                var reply = await controller.SubmitAsync(c => c.BrokerHeartbeat(request)).WaitAsync(cancel).ConfigureAwait(false);
                (error, fenced, shouldShutDown) = (reply.Error, reply.IsFenced, reply.ShouldShutDown);
            }
            catch (NotControllerException)
            {
                return;
            }
        }
        else
        {
            var request = new Rpc.Controller.BrokerHeartbeatRequest
            {
                BrokerId = config.NodeId,
                BrokerEpoch = _epoch,
                CurrentMetadataOffset = quorum.StateMachine.AppliedIndex,
                WantFence = wantFence,
                WantShutDown = wantShutDown,
            };
            var reply = await CallRemoteControllerAsync(controllerId,
                abandon => Client(controllerId).BrokerHeartbeatAsync(request, deadline: DateTime.UtcNow + _callTimeout, cancellationToken: abandon).ResponseAsync, cancel).ConfigureAwait(false);
            (error, fenced, shouldShutDown) = ((ErrorCode)reply.ErrorCode, reply.IsFenced, reply.ShouldShutDown);
        }
        // A new controller that never saw this epoch (or a fenced-out registration): start over.
        if (error is ErrorCode.BrokerIdNotRegistered or ErrorCode.StaleBrokerEpoch)
        {
            _epoch = -1;
            registration.Lost();
            return;
        }
        if (error != ErrorCode.None) return;
        registration.Heartbeat(fenced);
        if (wantShutDown && shouldShutDown) _shutdownAllowed.TrySetResult();
    }

    /// <summary>
    /// One gRPC call to the controller on <paramref name="controllerId"/>, cancelled when the metadata quorum's leader
    /// moves elsewhere (an unreachable or deposed controller would keep it waiting until its deadline).
    /// </summary>
    private async Task<T> CallRemoteControllerAsync<T>(int controllerId, Func<CancellationToken, Task<T>> call, CancellationToken cancel)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var pending = call(abandon.Token);
        while (!pending.IsCompleted)
        {
            await Task.WhenAny(pending, Task.Delay(LeaderCheckInterval, time, cancel)).ConfigureAwait(false);
            cancel.ThrowIfCancellationRequested();
            if (!pending.IsCompleted && quorum.LeaderNodeId != controllerId)
            {
                await abandon.CancelAsync().ConfigureAwait(false);
                LifecycleLog.CallAbandoned(logger, controllerId, quorum.LeaderNodeId);
            }
        }
        return await pending.ConfigureAwait(false);
    }

    private ControllerService.ControllerServiceClient Client(int controllerId) =>
        channels.ClientFor(controllerId) ?? throw new InvalidOperationException($"controller {controllerId} is not a known voter");

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private static partial class LifecycleLog
    {
        [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Broker {NodeId} registered with epoch {Epoch} at controller {ControllerId}")]
        public static partial void Registered(ILogger logger, int nodeId, long epoch, int controllerId);

        [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Broker {NodeId} registration refused: {Error}")]
        public static partial void Refused(ILogger logger, int nodeId, string error);

        [LoggerMessage(EventId = 6017, Level = LogLevel.Information, Message = "Controller call to {ControllerId} abandoned: the metadata quorum now follows {LeaderId}")]
        public static partial void CallAbandoned(ILogger logger, int controllerId, int leaderId);

        [LoggerMessage(EventId = 6012, Level = LogLevel.Debug, Message = "Controller call to {ControllerId} failed: {Message}")]
        public static partial void CallFailed(ILogger logger, int controllerId, string message);

        [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "Broker {NodeId} started controlled shutdown")]
        public static partial void ControlledShutdownStarted(ILogger logger, int nodeId);

        [LoggerMessage(EventId = 6014, Level = LogLevel.Information, Message = "Broker {NodeId} may shut down: the controller moved its leaderships away in {Millis} ms")]
        public static partial void ControlledShutdownDone(ILogger logger, int nodeId, double millis);

        [LoggerMessage(EventId = 6015, Level = LogLevel.Warning, Message = "Broker {NodeId} controlled shutdown did not complete within {Millis} ms; stopping anyway")]
        public static partial void ControlledShutdownTimedOut(ILogger logger, int nodeId, double millis);

        [LoggerMessage(EventId = 6016, Level = LogLevel.Information, Message = "Node {NodeId} handed metadata quorum leadership off; leader now {LeaderId}")]
        public static partial void QuorumLeadershipHandedOff(ILogger logger, int nodeId, int leaderId);
    }
}
