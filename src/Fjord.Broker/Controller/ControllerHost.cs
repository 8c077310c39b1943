using System.Threading.Channels;
using Fjord.Broker.Metrics;
using Fjord.Metadata;
using Fjord.Metadata.Records;
using Fjord.Raft;
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
/// The shell around this node's <see cref="QuorumController"/>: one loop (a channel of actions) owns it.
/// Every 100 ms the loop checks Raft leadership: a new leader proposes an empty batch and activates over
/// the committed image once that batch of its own term is applied (<see cref="ControllerActivation"/>:
/// everything before it has then committed and been applied); a leader that lost its term deactivates.
/// While active, the tick runs <see cref="QuorumController.Tick"/> (fencing, elections), and
/// <see cref="SubmitAsync{T}"/> runs a command, replays and proposes its records, and answers once they
/// commit. Each event carries its enqueue time, so the loop reports how long events queued
/// (<see cref="QuorumMetrics.ControllerEventStarted"/>). Public methods are thread-safe; the controller is
/// touched only by the loop.
/// </summary>
public sealed partial class ControllerHost : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest gap between ticks taken for a stall of this node (the larger of this and half a session counts).</summary>
    private static readonly TimeSpan MinStall = TimeSpan.FromSeconds(1);

    private readonly MetadataQuorum _quorum;
    private readonly QuorumController _controller;
    private readonly ILogger<ControllerHost> _logger;
    private readonly TimeProvider _time;
    private readonly QuorumMetrics _metrics;
    private readonly Channel<(Action Run, long EnqueuedAt)> _events =
        Channel.CreateUnbounded<(Action, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeSpan _stallThreshold;
    private ITimer? _timer;
    private long _lastTickAt;
    private Task? _loop;
    private ulong _activeTerm;
    private bool _activating;
    private volatile bool _isActive;

    /// <param name="configValidator">checks the configs commands write (<see cref="ClusterConfigValidator"/>), so bad values never reach the log.</param>
    public ControllerHost(MetadataQuorum quorum, QuorumControllerOptions options, IConfigValidator configValidator, TimeProvider time, QuorumMetrics metrics, ILogger<ControllerHost> logger)
    {
        _quorum = quorum;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _controller = new QuorumController(options, time, new Random(), configValidator);
        _stallThreshold = options.BrokerSessionTimeout / 2 > MinStall ? options.BrokerSessionTimeout / 2 : MinStall;
    }

    /// <summary>True while this node is the active controller (read from any thread).</summary>
    public bool IsActive => _isActive;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        _timer = _time.CreateTimer(_ => Enqueue(OnTick), null, TickInterval, TickInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _events.Writer.TryComplete();
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// Runs a controller command on the loop. Fails with <see cref="NotControllerException"/> when this node
    /// is not the active controller or loses leadership before the records commit.
    /// </summary>
    public Task<T> SubmitAsync<T>(Func<QuorumController, ControllerResult<T>> command)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enqueue(() => Run(command, done)))
            done.TrySetException(new NotControllerException(-1));
        return done.Task;
    }

    private async Task RunAsync()
    {
        await foreach (var (action, enqueuedAt) in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _metrics.ControllerEventStarted(_time.GetElapsedTime(enqueuedAt));
            try
            {
                action();
            }
            catch (Exception e)
            {
                ControllerHostLog.EventFailed(_logger, e);
            }
        }
    }

    private bool Enqueue(Action action) => _events.Writer.TryWrite((action, _time.GetTimestamp()));

    private void Run<T>(Func<QuorumController, ControllerResult<T>> command, TaskCompletionSource<T> done)
    {
        CheckLeadership();
        if (!_controller.IsActive)
        {
            done.TrySetException(new NotControllerException(_quorum.LeaderNodeId));
            return;
        }
        ControllerResult<T> result;
        try
        {
            result = command(_controller);
        }
        catch (Exception e)
        {
            done.TrySetException(e);
            return;
        }
        if (result.IsReadOnly)
        {
            done.TrySetResult(result.Response);
            return;
        }
        Propose(result.Records).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) done.TrySetResult(result.Response);
            else done.TrySetException(new NotControllerException(_quorum.LeaderNodeId));
        }, TaskScheduler.Default);
    }

    /// <summary>Replays records into the controller's view and appends them to the metadata log.</summary>
    private Task Propose(IReadOnlyList<MetadataRecord> records)
    {
        _controller.Replay(records);
        var term = _activeTerm;
        var proposal = _quorum.Driver.ProposeAsync(MetadataBatchCodec.EncodeRecords([.. records]));
        proposal.ContinueWith(t =>
        {
            // A refused proposal leaves the controller's view ahead of the log: drop it and re-activate.
            if (!t.IsCompletedSuccessfully) Enqueue(() => Deactivate(term));
        }, TaskScheduler.Default);
        return proposal;
    }

    private void OnTick()
    {
        var now = _time.GetTimestamp();
        var sinceLastTick = _lastTickAt == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_lastTickAt, now);
        _lastTickAt = now;
        CheckLeadership();
        if (!_controller.IsActive) return;
        if (sinceLastTick > _stallThreshold)
        {
            // This node stood still (SIGSTOP, a long GC, a starved machine): it could not take heartbeats, so it
            // must not fence brokers for missing them. If another controller took over meanwhile, the records
            // proposed here would not commit anyway, but a controller that is still in charge would fence everyone.
            // Only the lost time is credited: a full fresh session at each stall kept dead brokers registered.
            _controller.RenewSessions(sinceLastTick);
            ControllerHostLog.SessionsRenewedAfterStall(_logger, sinceLastTick.TotalMilliseconds);
            return;
        }
        var result = _controller.Tick();
        if (!result.IsReadOnly)
        {
            Propose(result.Records);
            if (result.Response > 0) ControllerHostLog.FencedBrokers(_logger, result.Response);
        }
    }

    private void CheckLeadership()
    {
        var status = _quorum.Driver.Status;
        var isLeader = status.Role == StateRole.Leader;
        if (_controller.IsActive && ControllerActivation.MustDeactivate(isLeader, status.Term, _activeTerm))
        {
            Deactivate(_activeTerm);
        }
        if (_controller.IsActive || _activating || !isLeader) return;

        // Raft §8: once an entry of our own term is applied, everything before it has committed and been
        // applied, so the committed image is complete (the ControllerActivation rule).
        _activating = true;
        var term = status.Term;
        _quorum.Driver.ProposeAsync(MetadataBatchCodec.EncodeRecords([])).ContinueWith(t =>
            Enqueue(() =>
            {
                _activating = false;
                var now = _quorum.Driver.Status;
                if (!t.IsCompletedSuccessfully || now.Role != StateRole.Leader || now.Term != term || _controller.IsActive) return;
                _controller.Activate(_quorum.StateMachine.Image);
                _activeTerm = term;
                _isActive = true;
                ControllerHostLog.Activated(_logger, _quorum.NodeId, term);
                var bootstrap = _controller.BootstrapFeatures();
                if (!bootstrap.IsReadOnly) Propose(bootstrap.Records);
            }), TaskScheduler.Default);
    }

    private void Deactivate(ulong term)
    {
        if (!_controller.IsActive || term != _activeTerm) return;
        _controller.Deactivate();
        _isActive = false;
        ControllerHostLog.Deactivated(_logger, _quorum.NodeId, term);
    }
}

internal static partial class ControllerHostLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Node {NodeId} is the active controller (term {Term})")]
    public static partial void Activated(ILogger logger, int nodeId, ulong term);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Node {NodeId} stopped being the active controller (term {Term})")]
    public static partial void Deactivated(ILogger logger, int nodeId, ulong term);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Controller fenced {Count} broker(s) whose session expired")]
    public static partial void FencedBrokers(ILogger logger, int count);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Controller event failed")]
    public static partial void EventFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Controller did not run for {Milliseconds:F0} ms; that time does not count against any broker session, so none is fenced for heartbeats it could not take")]
    public static partial void SessionsRenewedAfterStall(ILogger logger, double milliseconds);
}
