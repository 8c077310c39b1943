using System.Buffers.Binary;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests;

/// <summary>
/// The APIs Kafka's own tools call and no client here sends: DescribeTopicPartitions (KIP-966, kafka-topics --describe)
/// DescribeQuorum (kafka-metadata-quorum) and UpdateFeatures (kafka-features). The requests are golden bytes, written out field by field from Kafka's
/// JSON schemas as the Java client encodes them, sent raw to a real broker process.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class KafkaToolApiTests(BrokerFixture fixture)
{
    private const int CorrelationId = 7;

    // Request header v2: api key, api version, correlation id 7, client id "golden" (int16-length), no tagged fields.
    private static string Header(short apiKey, short version) => $"{apiKey:X4} {version:X4} 00000007 0006 676F6C64656E 00";

    [Fact]
    public async Task DescribeTopicPartitions_GoldenRequests_PageThroughPartitionsWithACursor()
    {
        // Fixed names: these bytes spell them. The shared broker holds them only for this test.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "golden-dtp-a", NumPartitions = 3, ReplicationFactor = 1 }]);
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);

        // Topics: [ "golden-dtp-a" ], ResponsePartitionLimit 2, Cursor null.
        var first = Exchange<DescribeTopicPartitionsResponse>(connection, 75, 0,
            Header(75, 0) + " 02 0D 676F6C64656E2D6474702D61 00 00000002 FF 00");
        var topic = Assert.Single(first.Topics);
        Assert.Equal("golden-dtp-a", topic.Name);
        Assert.Equal(0, topic.ErrorCode);
        Assert.NotEqual(Fjord.Protocol.Uuid.Zero, topic.TopicId);
        Assert.Equal([0, 1], topic.Partitions.Select(p => p.PartitionIndex));
        Assert.All(topic.Partitions, p => Assert.Equal([0], p.IsrNodes));
        Assert.All(topic.Partitions, p => Assert.Empty(p.EligibleLeaderReplicas!));
        Assert.Equal("golden-dtp-a", first.NextCursor!.TopicName);
        Assert.Equal(2, first.NextCursor.PartitionIndex);

        // The same request resumed at the cursor { "golden-dtp-a", 2 }.
        var rest = Exchange<DescribeTopicPartitionsResponse>(connection, 75, 0,
            Header(75, 0) + " 02 0D 676F6C64656E2D6474702D61 00 00000002 01 0D 676F6C64656E2D6474702D61 00000002 00 00");
        Assert.Equal([2], Assert.Single(rest.Topics).Partitions.Select(p => p.PartitionIndex));
        Assert.Null(rest.NextCursor);

        // Topics: [ "golden-dtp-none" ]: unknown, with a zero topic id.
        var missing = Exchange<DescribeTopicPartitionsResponse>(connection, 75, 0,
            Header(75, 0) + " 02 10 676F6C64656E2D6474702D6E6F6E65 00 000007D0 FF 00");
        Assert.Equal((short)Fjord.Protocol.Errors.ErrorCode.UnknownTopicOrPartition, Assert.Single(missing.Topics).ErrorCode);
        Assert.Equal(Fjord.Protocol.Uuid.Zero, missing.Topics[0].TopicId);
    }

    [Fact]
    public void DescribeQuorum_GoldenRequest_ShowsThisNodeAsTheOnlyVoterAndLeader()
    {
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        // Topics: [ { "__cluster_metadata", Partitions: [ { 0 } ] } ], version 2.
        var response = Exchange<DescribeQuorumResponse>(connection, 55, 2,
            Header(55, 2) + " 02 13 5F5F636C75737465725F6D65746164617461 02 00000000 00 00 00");
        Assert.Equal(0, response.ErrorCode);
        var partition = Assert.Single(Assert.Single(response.Topics).Partitions);
        Assert.Equal("__cluster_metadata", response.Topics[0].TopicName);
        Assert.Equal(0, partition.ErrorCode);
        Assert.Equal(0, partition.LeaderId);
        Assert.True(partition.LeaderEpoch >= 1, $"leader epoch (Raft term) {partition.LeaderEpoch}");
        var voter = Assert.Single(partition.CurrentVoters);
        Assert.Equal(0, voter.ReplicaId);
        Assert.True(voter.LogEndOffset >= partition.HighWatermark && partition.HighWatermark > 0,
            $"leader log end {voter.LogEndOffset}, high watermark {partition.HighWatermark}");
        Assert.Empty(partition.Observers);
        var node = Assert.Single(response.Nodes);
        Assert.Equal(0, node.NodeId);
        Assert.Equal("CONTROLLER", Assert.Single(node.Listeners).Name);
    }

    [Fact]
    public void UpdateFeatures_GoldenRequests_FinalizeWhatFjordSupportsAndApiVersionsShowsIt()
    {
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        // v1: timeoutMs 60000, FeatureUpdates [ { "eligible.leader.replicas.version", 1, UpgradeType 1 } ], ValidateOnly false.
        var refused = Exchange<UpdateFeaturesResponse>(connection, 57, 1,
            Header(57, 1) + " 0000EA60 02 21 656C696769626C652E6C65616465722E7265706C696361732E76657273696F6E 0001 01 00 00 00");
        Assert.Equal((short)Fjord.Protocol.Errors.ErrorCode.InvalidUpdateVersion, refused.ErrorCode);
        Assert.Equal(refused.ErrorCode, Assert.Single(refused.Results).ErrorCode);

        // v1: FeatureUpdates [ { "metadata.version", 1, UpgradeType 1 } ].
        var accepted = Exchange<UpdateFeaturesResponse>(connection, 57, 1,
            Header(57, 1) + " 0000EA60 02 11 6D657461646174612E76657273696F6E 0001 01 00 00 00");
        Assert.True(accepted.ErrorCode == 0, accepted.ErrorMessage);

        Eventually.True(() =>
        {
            var versions = connection.Receive<ApiVersionsResponse>(18, 3, connection.Send(new ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3));
            return versions.SupportedFeatures.Any(f => f.Name == "metadata.version" && f.MaxVersion == 1)
                && versions.FinalizedFeatures.Any(f => f.Name == "metadata.version" && f.MaxVersionLevel == 1) && versions.FinalizedFeaturesEpoch > 0;
        }, TimeSpan.FromSeconds(10), "ApiVersions v3 lists metadata.version as supported and finalized at level 1");

        // v1: { "metadata.version", 0 }: metadata.version cannot be removed.
        var removal = Exchange<UpdateFeaturesResponse>(connection, 57, 1,
            Header(57, 1) + " 0000EA60 02 11 6D657461646174612E76657273696F6E 0000 03 00 00 00");
        Assert.Equal((short)Fjord.Protocol.Errors.ErrorCode.InvalidUpdateVersion, removal.ErrorCode);
    }

    private static TResponse Exchange<TResponse>(RawKafkaConnection connection, short apiKey, short version, string hex)
        where TResponse : Fjord.Protocol.IResponseMessage, new()
    {
        var message = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var frame = new byte[4 + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, message.Length);
        message.CopyTo(frame.AsSpan(4));
        connection.SendRaw(frame);
        return connection.Receive<TResponse>(apiKey, version, CorrelationId);
    }
}
