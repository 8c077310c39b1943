using Fjord.Broker.Hosting;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;

namespace Fjord.Broker.Tests.Cluster;

public sealed class LocalBrokerRegistrationTests
{
    [Fact]
    public void NotReadyReason_FollowsRegistrationCatchUpUnfencingAndShutdown()
    {
        var registration = new LocalBrokerRegistration();
        var readiness = new BrokerReadiness([registration], TimeProvider.System);
        readiness.MarkListening();
        Assert.Equal("not registered with the controller", readiness.NotReadyReason);

        registration.Registered(epoch: 7);
        Assert.Equal("metadata log not caught up", readiness.NotReadyReason);
        registration.CaughtUp();
        Assert.Equal("fenced by the controller", readiness.NotReadyReason);
        registration.Heartbeat(fenced: false);
        Assert.True(readiness.IsReady);
        Assert.Equal(7, registration.Epoch);

        registration.ShutdownStarted();
        Assert.False(readiness.IsReady);
        Assert.Equal("in controlled shutdown", readiness.NotReadyReason);
    }

    [Fact]
    public void Lost_StartsOverFromUnregisteredAndFenced()
    {
        var registration = new LocalBrokerRegistration();
        registration.Registered(3);
        registration.CaughtUp();
        registration.Heartbeat(fenced: false);
        registration.Lost();
        Assert.False(registration.IsRegistered);
        Assert.True(registration.IsFenced);
        Assert.False(registration.IsCaughtUp);
    }

    [Fact]
    public void BrokerReadiness_WithoutConditions_IsReadyOnceListeningUntilStopping()
    {
        var readiness = new BrokerReadiness([], TimeProvider.System);
        Assert.False(readiness.IsReady);
        readiness.MarkListening();
        Assert.True(readiness.IsReady);
        readiness.MarkStopping();
        Assert.Equal("shutting down", readiness.NotReadyReason);
    }

    [Fact]
    public async Task WhenFirstReadyAsync_WaitsForRegistrationThenStaysOpenWhenFencedAgain()
    {
        var registration = new LocalBrokerRegistration();
        var readiness = new BrokerReadiness([registration], TimeProvider.System);
        readiness.MarkListening();
        var door = readiness.WhenFirstReadyAsync(CancellationToken.None).AsTask();
        registration.Registered(7);
        registration.CaughtUp();
        Assert.False(door.IsCompleted, "the door opened before the broker was unfenced");

        registration.Heartbeat(fenced: false);
        await door.WaitAsync(TimeSpan.FromSeconds(30));

        registration.Heartbeat(fenced: true);
        Assert.True(readiness.WhenFirstReadyAsync(CancellationToken.None).IsCompletedSuccessfully, "a fenced broker closed its door again");
    }
}
