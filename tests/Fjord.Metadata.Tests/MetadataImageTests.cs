using Fjord.Metadata.Records;
using Fjord.Raft;

namespace Fjord.Metadata.Tests;

public sealed class MetadataImageTests
{
    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ImageToRecordsToImage_AtEveryBatch_RoundTrips(int seed)
    {
        var batches = RandomWorkload.Generate(seed, 300);
        Assert.True(batches.Count > 20, $"seed {seed}: only {batches.Count} batches");
        var image = MetadataImage.Empty;
        foreach (var batch in batches)
        {
            image = image.With(batch);
            var records = image.ToRecords();
            var decoded = MetadataBatchCodec.DecodeRecords(MetadataBatchCodec.EncodeRecords(records));
            var rebuilt = MetadataImage.FromRecords(decoded, image.Offset);
            Assert.True(image.ContentEquals(rebuilt), $"seed {seed}: round trip differs\n{image.Describe()}\n----\n{rebuilt.Describe()}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ReplayEveryPrefix_InOneDelta_EqualsRecordByRecordApplication(int seed)
    {
        var records = RandomWorkload.Generate(seed, 200).SelectMany(b => b).ToList();
        var stepwise = new List<MetadataImage> { MetadataImage.Empty };
        foreach (var r in records) stepwise.Add(stepwise[^1].With([r]));
        for (var k = 0; k <= records.Count; k++)
        {
            var delta = new MetadataDelta(MetadataImage.Empty);
            delta.Replay(records.Take(k));
            var image = delta.Apply((ulong)k);
            Assert.True(image.ContentEquals(stepwise[k]), $"seed {seed}: prefix {k} of {records.Count} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void StateMachine_SnapshotAtAnyEntry_RestoresTheSameImage(int seed)
    {
        var batches = RandomWorkload.Generate(seed, 150);
        var sm = new MetadataStateMachine();
        ulong index = 0;
        foreach (var batch in batches)
        {
            sm.Apply(new Entry(1, ++index, EntryType.Normal, MetadataBatchCodec.EncodeRecords(batch)));
            sm.Apply(new Entry(1, ++index, EntryType.Normal, ReadOnlyMemory<byte>.Empty)); // a leader's no-op
            var restored = new MetadataStateMachine();
            restored.Restore(new Snapshot(new SnapshotMetadata(index, 1, ConfState.Empty), sm.TakeSnapshot()));
            Assert.Equal(index, restored.AppliedIndex);
            Assert.Equal(index, restored.Image.Offset);
            Assert.True(sm.Image.ContentEquals(restored.Image), $"seed {seed}: snapshot at {index} differs");
        }
    }

    [Fact]
    public void Delta_LocalChanges_NameLeadersFollowersAndDeletes()
    {
        var ctx = new ControllerTestContext().WithBrokers(3);
        var before = ctx.Image;
        ctx.CreateTopic("orders", 3, 2);
        var delta = new MetadataDelta(before);
        delta.Replay(ctx.Log.Skip(ctx.Log.Count - 4));
        var mine = delta.LocalChanges(0);
        Assert.Equal(3, delta.ChangedPartitions.Count);
        Assert.Equal(2, mine.Leaders.Count + mine.Followers.Count);
        var created = delta.Apply(1);
        var deleteDelta = new MetadataDelta(created);
        deleteDelta.Replay(ctx.Controller.DeleteTopics(["orders"]).Records);
        Assert.Equal(2, deleteDelta.LocalChanges(0).Deletes.Count);
        Assert.Single(deleteDelta.DeletedTopics);
    }

    [Fact]
    public void Replay_PartitionOfUnknownTopic_Throws()
    {
        var delta = new MetadataDelta(MetadataImage.Empty);
        var record = new MetadataRecord { Partition = new PartitionRecord { TopicId = Uuids.ToByteString(Guid.NewGuid()), PartitionId = 0, Leader = -1 } };
        Assert.Throws<InvalidOperationException>(() => delta.Replay(record));
    }

    [Fact]
    public void Codec_EmptyPayload_IsANoOp_AndUnknownFormat_Throws()
    {
        Assert.Empty(MetadataBatchCodec.DecodeRecords([]));
        Assert.Throws<InvalidDataException>(() => MetadataBatchCodec.DecodeRecords([9, 1, 2]));
    }
}
