using Fjord.Protocol.Errors;
using Xunit.Abstractions;

namespace Fjord.Metadata.Tests;

/// <summary>
/// A broker's next incarnation registering while the controller still holds the previous one unfenced (killed with
/// SIGKILL, so it never shut down): refused DUPLICATE_BROKER_REGISTRATION while the old session lives, accepted once
/// it has run out — one session of the controller running, however often the controller stands still meanwhile.
/// </summary>
public sealed class BrokerReRegistrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Session = new QuorumControllerOptions().BrokerSessionTimeout;

    /// <summary>How often a waiting broker retries its registration (BrokerLifecycleService's fast interval).</summary>
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the controller runs between two stalls.</summary>
    private static readonly TimeSpan RunsFor = TimeSpan.FromSeconds(1);

    /// <summary>A stall the shell answers with <see cref="QuorumController.RenewSessions"/> (over half a session).</summary>
    private static readonly TimeSpan StandsStillFor = Session * 0.6;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AfterFailover_SilentOldIncarnation_NewOneIsAcceptedAfterOneSessionOfTheControllerRunning(bool controllerKeepsStalling)
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.CreateTopic("orders", 3, 3);
        // The quorum is lost: nothing commits, the brokers' old incarnations die unfenced in the committed image.
        var committed = ctx.Image;
        ctx.Time.Advance(Session * 3);

        var next = new QuorumController(new QuorumControllerOptions(), ctx.Time, new Random(2));
        next.Activate(committed);
        var activatedAt = ctx.Time.GetTimestamp();

        var (accepted, refusals, running) = RegisterUntilAccepted(ctx, next, brokerId: 1, controllerKeepsStalling);

        output.WriteLine($"refused {refusals} time(s); accepted after {running.TotalMilliseconds} ms of the controller running, "
            + $"{ctx.Time.GetElapsedTime(activatedAt).TotalMilliseconds} ms (fake clock) after activation; session {Session.TotalMilliseconds} ms");
        Assert.True(refusals > 0, "the old incarnation's session from the activation must be honoured first");
        Assert.True(accepted.Error == ErrorCode.None, $"still refused {accepted.Error} after {running} of the controller running");
        Assert.InRange(running, Session, Session + Retry);
        Assert.True(accepted.BrokerEpoch > committed.Brokers[1].Epoch);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HealthyQuorum_FastRestart_IsRefusedWhileTheOldSessionLives_ThenAcceptedOnceItExpires(bool controllerKeepsStalling)
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.Time.Advance(Session / 3);
        foreach (var id in new[] { 0, 1, 2 }) ctx.Heartbeat(id);

        // Broker 1 is killed right after this heartbeat and its next incarnation asks at once.
        var (accepted, refusals, running) = RegisterUntilAccepted(ctx, ctx.Controller, brokerId: 1, controllerKeepsStalling);

        output.WriteLine($"refused {refusals} time(s); accepted after {running.TotalMilliseconds} ms of the controller running since the old incarnation's last heartbeat");
        Assert.True(refusals > 0, "a live session of the old incarnation must refuse the new one");
        Assert.True(accepted.Error == ErrorCode.None, $"still refused {accepted.Error} after {running} of the controller running");
        Assert.InRange(running, Session, Session + Retry);
    }

    [Fact]
    public void AfterFailover_FencedOldIncarnation_NewOneIsAcceptedAtOnce()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        Assert.Equal(1, ctx.Advance(Session, 0, 2));
        var committed = ctx.Image;
        Assert.True(committed.Brokers[1].Fenced);

        var next = new QuorumController(new QuorumControllerOptions(), ctx.Time, new Random(2));
        next.Activate(committed);

        var reply = next.RegisterBroker(new BrokerRegistrationRequest(1, Guid.NewGuid(), null, [new("PLAINTEXT", "localhost", 9093)])).Response;
        Assert.Equal(ErrorCode.None, reply.Error);
    }

    [Fact]
    public void Stall_DoesNotFenceALiveBroker_WhoseHeartbeatsWaitedInTheQueue()
    {
        var ctx = new ControllerTestContext().WithBrokers(2);
        ctx.Time.Advance(Session - Retry);
        ctx.Time.Advance(StandsStillFor);
        ctx.Controller.RenewSessions(StandsStillFor);

        Assert.Equal(0, ctx.Run(ctx.Controller.Tick()));
        Assert.Equal(0, ctx.Advance(Retry, 0, 1));
        Assert.False(ctx.Image.Brokers[0].Fenced || ctx.Image.Brokers[1].Fenced);
    }

    /// <summary>
    /// Brokers other than <paramref name="brokerId"/> keep heartbeating; the new incarnation of <paramref name="brokerId"/>
    /// retries every <see cref="Retry"/>; the controller ticks and, when <paramref name="stalls"/>, after every
    /// <see cref="RunsFor"/> of running stands still for <see cref="StandsStillFor"/> and renews sessions, as its shell does. Gives up after ten sessions of
    /// the fake clock. Returns the last reply, the refusals and how long the controller ran (stalls excluded).
    /// </summary>
    private static (BrokerRegistrationReply Reply, int Refusals, TimeSpan Running) RegisterUntilAccepted(
        ControllerTestContext ctx, QuorumController controller, int brokerId, bool stalls)
    {
        var request = new BrokerRegistrationRequest(brokerId, Guid.NewGuid(), null, [new("PLAINTEXT", "localhost", 9092 + brokerId)]);
        var live = controller.Image.Brokers.Keys.Where(id => id != brokerId).ToDictionary(id => id, id => controller.Image.Brokers[id].Epoch);
        var started = ctx.Time.GetTimestamp();
        var running = TimeSpan.Zero;
        var sinceStall = TimeSpan.Zero;
        var refusals = 0;
        while (true)
        {
            var reply = Apply(controller, controller.RegisterBroker(request));
            if (reply.Error != ErrorCode.DuplicateBrokerRegistration || ctx.Time.GetElapsedTime(started) > Session * 10) return (reply, refusals, running);
            refusals++;
            if (stalls && sinceStall >= RunsFor)
            {
                ctx.Time.Advance(StandsStillFor);
                controller.RenewSessions(StandsStillFor);
                sinceStall = TimeSpan.Zero;
            }
            ctx.Time.Advance(Retry);
            running += Retry;
            sinceStall += Retry;
            foreach (var (id, epoch) in live) Apply(controller, controller.BrokerHeartbeat(new BrokerHeartbeatRequest(id, epoch, false, false)));
            Apply(controller, controller.Tick());
        }
    }

    private static T Apply<T>(QuorumController controller, ControllerResult<T> result)
    {
        controller.Replay(result.Records);
        return result.Response;
    }
}
