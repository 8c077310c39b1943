using Fjord.Protocol.Messages;

namespace Fjord.Protocol.Tests.Messages;

public sealed class ApiMessagesTests
{
    [Fact]
    public void Factories_CoverEveryApiKey_WithMatchingKeys()
    {
        Assert.Equal(88, ApiMessages.AllApiKeys.Count);
        foreach (short key in ApiMessages.AllApiKeys)
        {
            Assert.Equal(key, ApiMessages.CreateRequest(key)!.ApiKey);
            Assert.Equal(key, ApiMessages.CreateResponse(key)!.ApiKey);
            Assert.True(ApiMessages.TryGetVersionRange(key, out short lowest, out short highest));
            Assert.True(lowest <= highest);
            Assert.True(Enum.IsDefined((ApiKey)key));
        }

        Assert.Null(ApiMessages.CreateRequest(-1));
        Assert.Null(ApiMessages.CreateResponse(9999));
        Assert.False(ApiMessages.TryGetVersionRange(9999, out _, out _));
    }

    [Fact]
    public void VersionRange_Produce_IsSpecRangeRaisedByTheOverlay()
    {
        Assert.True(ApiMessages.TryGetVersionRange((short)ApiKey.Produce, out short lowest, out short highest));
        // The specs stop at v11; version-overlay.json adds v12 (KIP-890 part 2), which has v11's layout.
        Assert.Equal((0, 12), (lowest, highest));
        Assert.Equal(0, ProduceRequest.ApiKeyValue);
        Assert.Equal(9, ProduceRequest.LowestFlexibleVersion);
        Assert.Equal(short.MaxValue, SaslHandshakeRequest.LowestFlexibleVersion);
    }

    [Fact]
    public void OverlayVersions_ProduceV12AndTxnOffsetCommitV5_EncodeExactlyLikeTheVersionBefore()
    {
        var produce = new ProduceRequest
        {
            TransactionalId = "txn", Acks = -1, TimeoutMs = 30_000,
            TopicData = [new() { Name = "orders", PartitionData = [new() { Index = 3, Records = new System.Buffers.ReadOnlySequence<byte>(new byte[] { 1, 2, 3 }) }] }],
        };
        var offsets = new TxnOffsetCommitRequest
        {
            TransactionalId = "txn", GroupId = "g", ProducerId = 7, ProducerEpoch = 2, GenerationId = 4, MemberId = "m",
            Topics = [new() { Name = "orders", Partitions = [new() { PartitionIndex = 3, CommittedOffset = 42 }] }],
        };

        Assert.Equal(MessageRoundTripTests.Encode(produce, 11, out _), MessageRoundTripTests.Encode(produce, 12, out _));
        Assert.Equal(MessageRoundTripTests.Encode(offsets, 4, out _), MessageRoundTripTests.Encode(offsets, 5, out _));
    }

    [Theory]
    [InlineData(ApiKey.ControlledShutdown, 0, 0, 0)]
    [InlineData(ApiKey.ControlledShutdown, 1, 1, 0)]
    [InlineData(ApiKey.ControlledShutdown, 3, 2, 1)]
    [InlineData(ApiKey.ApiVersions, 2, 1, 0)]
    [InlineData(ApiKey.ApiVersions, 3, 2, 0)]
    [InlineData(ApiKey.Produce, 8, 1, 0)]
    [InlineData(ApiKey.Produce, 9, 2, 1)]
    [InlineData(ApiKey.Metadata, 9, 2, 1)]
    public void HeaderVersions_FollowFlexibilityAndExceptions(ApiKey key, short version, short requestHeader, short responseHeader)
    {
        Assert.Equal(requestHeader, ApiMessages.RequestHeaderVersion((short)key, version));
        Assert.Equal(responseHeader, ApiMessages.ResponseHeaderVersion((short)key, version));
    }
}
