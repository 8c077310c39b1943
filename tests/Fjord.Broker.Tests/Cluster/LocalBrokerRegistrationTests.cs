using Fjord.Broker.Cluster;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

public sealed class LocalBrokerRegistrationTests
{
    [Fact]
    public void NotReadyReason_FollowsRegistrationCatchUpUnfencingAndShutdown()
    {
        var registration = new LocalBrokerRegistration();
        var readiness = new BrokerReadiness([registration]);
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
        var readiness = new BrokerReadiness([]);
        Assert.False(readiness.IsReady);
        readiness.MarkListening();
        Assert.True(readiness.IsReady);
        readiness.MarkStopping();
        Assert.Equal("shutting down", readiness.NotReadyReason);
    }
}
