using Fjord.Protocol.Errors;
using Xunit.Abstractions;

namespace Fjord.Metadata.Tests;

/// <summary>
/// A broker's next incarnation registering while the controller still holds the previous one unfenced (killed with
/// SIGKILL, so it never shut down): refused DUPLICATE_BROKER_REGISTRATION while the old session lives, accepted once
/// it has run out, however often the controller renews sessions after standing still meanwhile.
/// </summary>
public sealed class BrokerReRegistrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Session = new QuorumControllerOptions().BrokerSessionTimeout;

    /// <summary>How often a waiting broker retries its registration (BrokerLifecycleService's fast interval).</summary>
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);

    /// <summary>A controller stall the shell answers with <see cref="QuorumController.RenewSessions"/> (over half a session).</summary>
    private static readonly TimeSpan StallEvery = Session * 0.6;

    [Fact]
    public void AfterFailover_SilentOldIncarnation_NewOneIsAcceptedWithinASessionOfActivation_ThoughTheControllerKeepsStalling()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.CreateTopic("orders", 3, 3);
        // The quorum is lost: nothing commits, the brokers' old incarnations die unfenced in the committed image.
        var committed = ctx.Image;
        ctx.Time.Advance(Session * 3);

        var next = new QuorumController(new QuorumControllerOptions(), ctx.Time, new Random(2));
        next.Activate(committed);
        var activatedAt = ctx.Time.GetTimestamp();

        var accepted = RegisterUntilAccepted(ctx, next, brokerId: 1, stallsAt: StallEvery, out var refusals);

        var waited = ctx.Time.GetElapsedTime(activatedAt);
        output.WriteLine($"refused {refusals} time(s); accepted {waited.TotalMilliseconds} ms (fake clock) after activation; session {Session.TotalMilliseconds} ms");
        Assert.True(refusals > 0, "the old incarnation's session from the activation must be honoured first");
        Assert.True(accepted.Error == ErrorCode.None, $"still refused {accepted.Error} {waited} after activation");
        Assert.InRange(waited, Session, Session + Retry);
        Assert.True(accepted.BrokerEpoch > committed.Brokers[1].Epoch);
    }

    [Fact]
    public void HealthyQuorum_FastRestart_IsRefusedWhileTheOldSessionLives_ThenAcceptedOnceItExpires()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        ctx.Time.Advance(Session / 3);
        var lastHeartbeatAt = ctx.Time.GetTimestamp();
        foreach (var id in new[] { 0, 1, 2 }) ctx.Heartbeat(id);

        var accepted = RegisterUntilAccepted(ctx, ctx.Controller, brokerId: 1, stallsAt: StallEvery, out var refusals);

        var waited = ctx.Time.GetElapsedTime(lastHeartbeatAt);
        output.WriteLine($"refused {refusals} time(s); accepted {waited.TotalMilliseconds} ms (fake clock) after the old incarnation's last heartbeat");
        Assert.True(refusals > 0, "a live session of the old incarnation must refuse the new one");
        Assert.True(accepted.Error == ErrorCode.None, $"still refused {accepted.Error} {waited} after the last heartbeat");
        // One renewal after the old incarnation's last heartbeat is honoured (it may have been queued), no more.
        Assert.InRange(waited, Session, StallEvery + Session + Retry);
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

    /// <summary>
    /// Brokers 0..2 other than <paramref name="brokerId"/> keep heartbeating; the new incarnation of
    /// <paramref name="brokerId"/> retries every <see cref="Retry"/>; the controller ticks, and renews sessions
    /// every <paramref name="stallsAt"/> as its shell does after standing still. Gives up after three sessions.
    /// </summary>
    private static BrokerRegistrationReply RegisterUntilAccepted(ControllerTestContext ctx, QuorumController controller, int brokerId,
        TimeSpan stallsAt, out int refusals)
    {
        var request = new BrokerRegistrationRequest(brokerId, Guid.NewGuid(), null, [new("PLAINTEXT", "localhost", 9092 + brokerId)]);
        var live = controller.Image.Brokers.Keys.Where(id => id != brokerId).ToDictionary(id => id, id => controller.Image.Brokers[id].Epoch);
        var started = ctx.Time.GetTimestamp();
        var lastStall = started;
        refusals = 0;
        while (true)
        {
            var reply = Apply(controller, controller.RegisterBroker(request));
            if (reply.Error != ErrorCode.DuplicateBrokerRegistration || ctx.Time.GetElapsedTime(started) > Session * 3) return reply;
            refusals++;
            ctx.Time.Advance(Retry);
            foreach (var (id, epoch) in live) Apply(controller, controller.BrokerHeartbeat(new BrokerHeartbeatRequest(id, epoch, false, false)));
            if (ctx.Time.GetElapsedTime(lastStall) >= stallsAt)
            {
                controller.RenewSessions();
                lastStall = ctx.Time.GetTimestamp();
            }
            else
            {
                Apply(controller, controller.Tick());
            }
        }
    }

    private static T Apply<T>(QuorumController controller, ControllerResult<T> result)
    {
        controller.Replay(result.Records);
        return result.Response;
    }
}
