namespace Fjord.Integration.Tests.Harness;

/// <summary>One broker process shared by the tests of a collection; each test uses its own topics.</summary>
public sealed class BrokerFixture : IDisposable
{
    public BrokerProcess Broker { get; } = BrokerProcess.Start();

    public string BootstrapServers => Broker.BootstrapServers;

    public void Dispose() => Broker.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SharedBrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "shared broker";
}
