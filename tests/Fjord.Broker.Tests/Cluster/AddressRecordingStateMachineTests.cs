using System.Collections.Immutable;
using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

public sealed class AddressRecordingStateMachineTests
{
    private static readonly ClusterVoters Voters = ClusterVoters.Parse(
        BrokerConfig.Create(new Dictionary<string, string> { ["voters"] = "0@127.0.0.1:9093,1@127.0.0.1:9094,2@127.0.0.1:9095" }))!;

    private static Entry Change(ulong index, ConfChangeType type, int nodeId, string? address = null) =>
        new(1, index, EntryType.ConfChange, new ConfChange(type, ClusterVoters.RaftId(nodeId), address).Encode());

    [Fact]
    public void Apply_AddLearnerWithAddress_MakesTheLearnerResolvable_AndRemoveLearnerForgetsIt()
    {
        var addresses = new QuorumAddresses(Voters);
        var machine = new AddressRecordingStateMachine(new MetadataStateMachine(), addresses);
        machine.Apply(Change(1, ConfChangeType.AddVoter, 0));
        machine.Apply(Change(2, ConfChangeType.AddLearner, 3, "10.0.0.3:9093"));

        Assert.True(addresses.TryGet(3, out var learner));
        Assert.Equal(new HostPort("10.0.0.3", 9093), learner);
        Assert.True(addresses.TryGet(1, out var voter));
        Assert.Equal(new HostPort("127.0.0.1", 9094), voter);

        machine.Apply(Change(3, ConfChangeType.RemoveLearner, 3));
        Assert.False(addresses.TryGet(3, out _));
    }

    [Fact]
    public void Snapshot_CarriesLearnerAddressesThroughCompaction()
    {
        var addresses = new QuorumAddresses(Voters);
        var machine = new AddressRecordingStateMachine(new MetadataStateMachine(), addresses);
        machine.Apply(Change(1, ConfChangeType.AddLearner, 3, "10.0.0.3:9093"));
        machine.Apply(Change(2, ConfChangeType.AddLearner, 4, "learner-4.fjord:19093"));
        var data = machine.TakeSnapshot();

        var restoredAddresses = new QuorumAddresses(Voters);
        var restored = new AddressRecordingStateMachine(new MetadataStateMachine(), restoredAddresses);
        restored.Restore(new Snapshot(new SnapshotMetadata(2, 1, ConfState.OfVoters(1, 2, 3)), data));

        Assert.Equal(addresses.Learners.OrderBy(l => l.Key), restoredAddresses.Learners.OrderBy(l => l.Key));
    }

    [Fact]
    public void Split_ASnapshotWithoutAddresses_IsAllMetadataImage()
    {
        var image = new MetadataStateMachine().TakeSnapshot();
        var (learners, rest) = AddressRecordingStateMachine.Split(image);
        Assert.Empty(learners);
        Assert.Equal(image, rest.ToArray());

        var joined = AddressRecordingStateMachine.Join(ImmutableDictionary<int, HostPort>.Empty.Add(7, new HostPort("::1", 9093)), image);
        var (again, imageAgain) = AddressRecordingStateMachine.Split(joined);
        Assert.Equal(new HostPort("::1", 9093), again[7]);
        Assert.Equal(image, imageAgain.ToArray());
    }

    [Fact]
    public void LeaderHinted_ResolvesALeaderTheLogHasNotNamedYet_AndTheLogsAddressWins()
    {
        var addresses = new QuorumAddresses(Voters);
        addresses.LeaderHinted(5, new HostPort("10.0.0.5", 9093));
        Assert.True(addresses.TryGet(5, out var hinted));
        Assert.Equal(new HostPort("10.0.0.5", 9093), hinted);

        var machine = new AddressRecordingStateMachine(new MetadataStateMachine(), addresses);
        machine.Apply(Change(1, ConfChangeType.AddLearner, 5, "fjord-5.fjord:9093"));
        Assert.True(addresses.TryGet(5, out var logged));
        Assert.Equal(new HostPort("fjord-5.fjord", 9093), logged);
    }
}
