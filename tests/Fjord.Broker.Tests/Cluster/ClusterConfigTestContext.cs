using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

/// <summary>
/// An active controller with the broker's <see cref="ClusterConfigValidator"/>, one registered broker (id 0) and a
/// resolver for node 0 over a static config, for testing config commands and resolution without processes.
/// Not thread-safe.
/// </summary>
internal sealed class ClusterConfigTestContext
{
    public ClusterConfigTestContext(params (string Key, string Value)[] staticSettings)
        : this(ClusterConfigValidator.Instance, staticSettings)
    {
    }

    public ClusterConfigTestContext(IConfigValidator validator, params (string Key, string Value)[] staticSettings)
    {
        Controller = new QuorumController(new QuorumControllerOptions(), new FakeTimeProvider(), new Random(1), validator);
        Controller.Activate(MetadataImage.Empty);
        var settings = staticSettings.ToDictionary(s => s.Key, s => s.Value);
        Resolver = new ClusterConfigResolver(0, BrokerConfig.Create(settings));
        var registered = Run(Controller.RegisterBroker(new BrokerRegistrationRequest(0, Guid.NewGuid(), null, [new("PLAINTEXT", "localhost", 9092)])));
        Assert.Equal(ErrorCode.None, registered.Error);
        Run(Controller.BrokerHeartbeat(new BrokerHeartbeatRequest(0, registered.BrokerEpoch, WantFence: false, WantShutDown: false)));
    }

    public QuorumController Controller { get; }

    public ClusterConfigResolver Resolver { get; }

    public MetadataImage Image => Controller.Image;

    public T Run<T>(ControllerResult<T> result)
    {
        Controller.Replay(result.Records);
        return result.Response;
    }

    public void CreateTopic(string name, IReadOnlyDictionary<string, string>? configs = null)
    {
        var created = Run(Controller.CreateTopics([new CreatableTopic(name, 1, 1, Configs: configs)]));
        Assert.Equal(ErrorCode.None, created[0].Error);
    }

    public IReadOnlyList<ConfigChangeOutcome> Incremental(bool validateOnly, params (sbyte Type, string Name, (string, sbyte, string?)[] Changes)[] resources) =>
        Run(ClusterConfigChanges.Run(Controller, [.. resources.Select(r => ClusterConfigChanges.Incremental(Image, Resolver, r.Type, r.Name, r.Changes))], validateOnly));

    public IReadOnlyList<ConfigChangeOutcome> Legacy(sbyte type, string name, params (string, string?)[] configs) =>
        Run(ClusterConfigChanges.Run(Controller, [ClusterConfigChanges.Legacy(Image, type, name, configs)], validateOnly: false));
}
