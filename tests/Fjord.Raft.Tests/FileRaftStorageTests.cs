using System.Text;

namespace Fjord.Raft.Tests;

public sealed class FileRaftStorageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-raft-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Entry E(ulong term, ulong index, string data = "") =>
        new(term, index, EntryType.Normal, Encoding.ASCII.GetBytes(data.Length == 0 ? $"entry-{index}" : data));

    private static Entry[] Range(ulong term, ulong from, ulong to) =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => E(term, (ulong)i)).ToArray();

    private static string Data(FileRaftStorage s, ulong index)
    {
        var list = new List<Entry>();
        Assert.True(s.TryGetEntries(index, index + 1, 1, long.MaxValue, list));
        return Encoding.ASCII.GetString(list[0].Data.Span);
    }

    private string LastSegment() => Directory.GetFiles(_dir, "log-*.seg").OrderBy(f => f, StringComparer.Ordinal).Last();

    [Fact]
    public void Save_ThenReopen_RecoversEntriesAndHardState()
    {
        using (var s = new FileRaftStorage(_dir, segmentBytes: 256))
            s.Save(new HardState(3, 2, 7), null, Range(3, 1, 20), sync: true);
        using var r = new FileRaftStorage(_dir, segmentBytes: 256);
        Assert.Equal(new HardState(3, 2, 7), r.HardState);
        Assert.Equal(1UL, r.FirstIndex);
        Assert.Equal(20UL, r.LastIndex);
        Assert.Equal("entry-13", Data(r, 13));
        Assert.True(Directory.GetFiles(_dir, "log-*.seg").Length > 1, "small segments should have rolled");
        Assert.StartsWith("clean", r.RecoveryReport);
    }

    [Fact]
    public void Reopen_WhenTailTorn_TruncatesOnlyThePartialRecord()
    {
        using (var s = new FileRaftStorage(_dir))
            s.Save(new HardState(1, 1, 5), null, Range(1, 1, 10), sync: true);
        using (var f = new FileStream(LastSegment(), FileMode.Open)) f.SetLength(f.Length - 5);
        using (var r = new FileRaftStorage(_dir))
        {
            Assert.Equal(9UL, r.LastIndex);
            Assert.Contains("truncated torn tail", r.RecoveryReport);
            r.Save(null, null, [E(1, 10, "again")], sync: true);
        }
        using var again = new FileRaftStorage(_dir);
        Assert.Equal(10UL, again.LastIndex);
        Assert.Equal("again", Data(again, 10));
        Assert.StartsWith("clean", again.RecoveryReport);
    }

    [Fact]
    public void Reopen_WhenGarbageFollowsLastRecord_KeepsEveryGoodEntry()
    {
        using (var s = new FileRaftStorage(_dir))
            s.Save(new HardState(1, 1, 10), null, Range(1, 1, 10), sync: true);
        using (var f = new FileStream(LastSegment(), FileMode.Append)) f.Write([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
        using var r = new FileRaftStorage(_dir);
        Assert.Equal(10UL, r.LastIndex);
        Assert.Equal(new HardState(1, 1, 10), r.HardState);
        Assert.Contains("11 bytes dropped", r.RecoveryReport);
    }

    [Fact]
    public void Reopen_WhenARecordFailsItsCrc_TruncatesFromThatRecord()
    {
        using (var s = new FileRaftStorage(_dir))
            s.Save(new HardState(1, 1, 3), null, Range(1, 1, 6), sync: true);
        var bytes = File.ReadAllBytes(LastSegment());
        var at = Encoding.ASCII.GetString(bytes).IndexOf("entry-5", StringComparison.Ordinal);
        bytes[at] ^= 0xFF;
        File.WriteAllBytes(LastSegment(), bytes);
        using var r = new FileRaftStorage(_dir);
        Assert.Equal(4UL, r.LastIndex);
    }

    [Fact]
    public void Reopen_WhenCommitPointsPastTheRecoveredLog_RefusesToStart()
    {
        using (var s = new FileRaftStorage(_dir))
            s.Save(new HardState(1, 1, 6), null, Range(1, 1, 6), sync: true);
        using (var f = new FileStream(LastSegment(), FileMode.Open)) f.SetLength(f.Length - 3);
        Assert.Throws<InvalidDataException>(() => new FileRaftStorage(_dir));
    }

    [Fact]
    public void Save_WhenEntriesConflict_TruncatesTheSuffixAcrossSegments()
    {
        using (var s = new FileRaftStorage(_dir, segmentBytes: 128))
        {
            s.Save(new HardState(1, 1, 2), null, Range(1, 1, 30), sync: true);
            s.Save(new HardState(2, 2, 2), null, [E(2, 5, "new-5"), E(2, 6, "new-6")], sync: true);
            Assert.Equal(6UL, s.LastIndex);
        }
        using var r = new FileRaftStorage(_dir, segmentBytes: 128);
        Assert.Equal(6UL, r.LastIndex);
        Assert.Equal("entry-4", Data(r, 4));
        Assert.Equal("new-5", Data(r, 5));
        Assert.True(r.TryGetTerm(6, out var t) && t == 2);
    }

    [Fact]
    public void CreateSnapshotAndCompact_SurviveReopen()
    {
        using (var s = new FileRaftStorage(_dir, segmentBytes: 128))
        {
            s.Save(new HardState(1, 1, 30), null, Range(1, 1, 30), sync: true);
            s.CreateSnapshot(20, ConfState.OfVoters(1, 2, 3), "image"u8.ToArray());
            s.Compact(18);
            Assert.Equal(19UL, s.FirstIndex);
        }
        using var r = new FileRaftStorage(_dir, segmentBytes: 128);
        Assert.Equal(20UL, r.SnapshotMetadata.Index);
        Assert.Equal(ConfState.OfVoters(1, 2, 3), r.SnapshotMetadata.ConfState);
        Assert.Equal("image", Encoding.ASCII.GetString(r.Snapshot.Data.Span));
        Assert.Equal(21UL, r.FirstIndex); // after restart the log starts after the snapshot
        Assert.Equal(30UL, r.LastIndex);
        Assert.Equal("entry-25", Data(r, 25));
    }

    [Fact]
    public void Save_WithSnapshotFromLeader_ReplacesTheWholeLog()
    {
        using (var s = new FileRaftStorage(_dir))
        {
            s.Save(new HardState(1, 1, 3), null, Range(1, 1, 5), sync: true);
            var snap = new Snapshot(new SnapshotMetadata(50, 4, ConfState.OfVoters(1, 2)), "leader-image"u8.ToArray());
            s.Save(new HardState(4, 0, 50), snap, [E(4, 51)], sync: true);
        }
        using var r = new FileRaftStorage(_dir);
        Assert.Equal(51UL, r.FirstIndex);
        Assert.Equal(51UL, r.LastIndex);
        Assert.True(r.TryGetTerm(50, out var t) && t == 4);
        Assert.Equal(new HardState(4, 0, 50), r.HardState);
    }

    [Fact]
    public void Reopen_WhenNewestHardStateSlotTorn_FallsBackToThePreviousOne()
    {
        using (var s = new FileRaftStorage(_dir))
        {
            s.Save(new HardState(5, 1, 0), null, [], sync: true);
            s.Save(new HardState(6, 2, 0), null, [], sync: true);
        }
        // The second write went to slot 0 (sequence 2); tear it.
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "hardstate"));
        bytes[10] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(_dir, "hardstate"), bytes);
        using var r = new FileRaftStorage(_dir);
        Assert.Equal(new HardState(5, 1, 0), r.HardState);
    }

    [Fact]
    public void Reopen_WithSnapshotTempFile_PromotesCompleteAndDeletesPartial()
    {
        using (var s = new FileRaftStorage(_dir))
        {
            s.Save(new HardState(1, 1, 10), null, Range(1, 1, 10), sync: true);
            s.CreateSnapshot(8, ConfState.OfVoters(1), "eight"u8.ToArray());
        }
        var snapshot = Path.Combine(_dir, "snapshot");
        var temp = Path.Combine(_dir, "snapshot.tmp");
        File.WriteAllBytes(temp, File.ReadAllBytes(snapshot)[..^3]); // incomplete write
        using (var r = new FileRaftStorage(_dir)) Assert.Equal(8UL, r.SnapshotMetadata.Index);
        Assert.False(File.Exists(temp));
        File.Copy(snapshot, temp);
        File.Delete(snapshot);   // crash between writing the temp file and the rename
        using (var r = new FileRaftStorage(_dir)) Assert.Equal(8UL, r.SnapshotMetadata.Index);
        Assert.True(File.Exists(snapshot));
    }

    [Fact]
    public void RaftNode_OverFileStorage_KeepsCommittedEntriesAcrossRestart()
    {
        RaftNode Open(FileRaftStorage s) => new(new RaftConfig { Id = 1, Random = new Random(1) }, s);
        void Drain(RaftNode n, FileRaftStorage s)
        {
            while (n.HasReady)
            {
                var rd = n.GetReady();
                s.Save(rd.HardState, rd.Snapshot, rd.Entries, rd.MustSync);
                n.Advance();
            }
        }
        using (var s = new FileRaftStorage(_dir))
        {
            RaftBootstrap.Bootstrap(s, ConfState.OfVoters(1));
            var n = Open(s);
            n.Campaign();
            Drain(n, s);
            Assert.Equal(StateRole.Leader, n.Role);
            Assert.True(n.Propose("durable"u8.ToArray()));
            Drain(n, s);
            Assert.Equal(3UL, n.CommitIndex);
        }
        using var reopened = new FileRaftStorage(_dir);
        var node = Open(reopened);
        Assert.Equal(3UL, node.CommitIndex);
        Assert.Equal(2UL, node.Term);
        Assert.Equal("durable", Data(reopened, 3));
    }
}
