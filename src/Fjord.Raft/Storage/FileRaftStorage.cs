using System.Buffers.Binary;
using Fjord.Protocol.Records;

namespace Fjord.Raft;

/// <summary>
/// Durable <see cref="IRaftStorage"/> in a directory:
/// <list type="bullet">
/// <item><c>log-{firstIndex:D20}.seg</c> segment files of records <c>[u32 length][u32 crc32c][u64 term][u64 index][u8 type][data]</c>,
/// the crc covering everything after it; a torn tail of the last segment is truncated on open;</item>
/// <item><c>hardstate</c>: two 32-byte slots <c>[u64 seq][u64 term][u64 vote][u64 commit]</c>+crc written alternately, so a
/// torn write leaves the previous state intact;</item>
/// <item><c>snapshot</c>: written to <c>snapshot.tmp</c>, fsynced and renamed over the old one (atomic); a complete
/// temp file found at startup is an interrupted install and is promoted, an incomplete one is deleted.</item>
/// </list>
/// All entries after the snapshot are also kept in memory (the metadata log is small), so reads never
/// touch the disk. Not thread-safe: owned by the node's loop.
/// </summary>
public sealed class FileRaftStorage : IRaftStorage, IDisposable
{
    private const int RecordHeader = 8;      // length + crc
    private const int EntryHeader = 17;      // term + index + type
    private const int HardStateSlot = 40;    // seq, term, vote, commit, crc(+pad)

    private readonly string _dir;
    private readonly long _segmentBytes;
    private readonly List<Entry> _entries = [];                          // (_offset, LastIndex]
    private readonly List<(ulong Segment, long Offset)> _positions = [];  // parallel to _entries
    private readonly List<(ulong FirstIndex, string Path)> _segments = [];
    private readonly FileStream _hardStateFile;
    private FileStream? _active;
    private ulong _hardStateSeq;
    private ulong _offset;       // compaction point: entries up to here are gone
    private ulong _offsetTerm;
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>What recovery found (for logs and tests).</summary>
    public string RecoveryReport { get; private set; } = "";

    /// <summary>Opens (recovering) or creates storage in <paramref name="directory"/>.</summary>
    public FileRaftStorage(string directory, long segmentBytes = 64 << 20)
    {
        _dir = directory;
        _segmentBytes = segmentBytes;
        Directory.CreateDirectory(directory);
        RecoverSnapshotTemp();
        LoadSnapshot();
        _offset = _snapshot.Metadata.Index;
        _offsetTerm = _snapshot.Metadata.Term;
        _hardStateFile = new FileStream(Path.Combine(_dir, "hardstate"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        LoadHardState();
        LoadSegments();
        if (HardState.Commit > LastIndex)
        {
            // Entries are fsynced before the hard state that commits them, so this means lost data.
            throw new InvalidDataException($"hard state commit {HardState.Commit} beyond recovered log end {LastIndex}");
        }
    }

    /// <inheritdoc/>
    public HardState HardState { get; private set; }

    /// <inheritdoc/>
    public SnapshotMetadata SnapshotMetadata => _snapshot.Metadata;

    /// <inheritdoc/>
    public Snapshot Snapshot => _snapshot;

    /// <inheritdoc/>
    public ulong FirstIndex => _offset + 1;

    /// <inheritdoc/>
    public ulong LastIndex => _offset + (ulong)_entries.Count;

    /// <inheritdoc/>
    public bool TryGetTerm(ulong index, out ulong term)
    {
        term = 0;
        if (index == _offset) { term = _offsetTerm; return true; }
        if (index < _offset || index > LastIndex) return false;
        term = _entries[(int)(index - _offset - 1)].Term;
        return true;
    }

    /// <inheritdoc/>
    public bool TryGetEntries(ulong lo, ulong hi, int maxCount, long maxBytes, List<Entry> into)
    {
        if (lo <= _offset) return false;
        long bytes = 0;
        var n = 0;
        for (var i = lo; i < hi && i <= LastIndex && n < maxCount; i++, n++)
        {
            var e = _entries[(int)(i - _offset - 1)];
            bytes += e.Size;
            if (n > 0 && bytes > maxBytes) break;
            into.Add(e);
        }
        return true;
    }

    /// <inheritdoc/>
    public void Save(HardState? hardState, Snapshot? snapshot, IReadOnlyList<Entry> entries, bool sync)
    {
        if (snapshot is not null) ApplySnapshot(snapshot);
        if (entries.Count > 0) Append(entries, sync);
        // Written last: a commit index must never point past entries that are not yet durable.
        if (hardState is { } hs && hs != HardState) WriteHardState(hs, sync);
    }

    private void Append(IReadOnlyList<Entry> entries, bool sync)
    {
        var skip = 0;
        while (skip < entries.Count && entries[skip].Index <= _offset) skip++;
        if (skip == entries.Count) return;
        var first = entries[skip].Index;
        if (first > LastIndex + 1) throw new InvalidOperationException($"gap: appending {first} after {LastIndex}");
        if (first <= LastIndex) TruncateFrom(first);
        var buffer = new MemoryStream();
        if (_active is null) RollSegment(first);
        for (var i = skip; i < entries.Count; i++)
        {
            var e = entries[i];
            if (_active!.Position + buffer.Length >= _segmentBytes)
            {
                Flush(buffer, sync);
                RollSegment(e.Index);
            }
            _positions.Add((_segments[^1].FirstIndex, _active!.Position + buffer.Length));
            _entries.Add(e);
            WriteRecord(buffer, e);
        }
        Flush(buffer, sync);
    }

    private void Flush(MemoryStream buffer, bool sync)
    {
        if (buffer.Length > 0) _active!.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        buffer.SetLength(0);
        _active!.Flush(flushToDisk: sync);
    }

    private void RollSegment(ulong firstIndex)
    {
        _active?.Dispose();
        var path = Path.Combine(_dir, $"log-{firstIndex:D20}.seg");
        _active = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        _segments.Add((firstIndex, path));
        FsyncDirectory();
    }

    private static void WriteRecord(MemoryStream buffer, in Entry e)
    {
        var payloadLength = EntryHeader + e.Data.Length;
        Span<byte> header = stackalloc byte[RecordHeader + EntryHeader];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], e.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], e.Index);
        header[24] = (byte)e.Type;
        var crc = Crc32C.Append(Crc32C.Compute(header[8..]), e.Data.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], crc);
        buffer.Write(header);
        buffer.Write(e.Data.Span);
    }

    /// <summary>Drops entries from <paramref name="index"/> on (a conflicting suffix, §5.3).</summary>
    private void TruncateFrom(ulong index)
    {
        var k = (int)(index - _offset - 1);
        var (segment, offset) = _positions[k];
        _entries.RemoveRange(k, _entries.Count - k);
        _positions.RemoveRange(k, _positions.Count - k);
        _active?.Dispose();
        _active = null;
        while (_segments[^1].FirstIndex > segment)
        {
            File.Delete(_segments[^1].Path);
            _segments.RemoveAt(_segments.Count - 1);
        }
        _active = new FileStream(_segments[^1].Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _active.SetLength(offset);
        _active.Seek(offset, SeekOrigin.Begin);
    }

    private void WriteHardState(HardState hs, bool sync)
    {
        _hardStateSeq++;
        Span<byte> slot = stackalloc byte[HardStateSlot];
        slot.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(slot, _hardStateSeq);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[8..], hs.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[16..], hs.Vote);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[24..], hs.Commit);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[32..], Crc32C.Compute(slot[..32]));
        // Alternate slots: a torn write damages only the slot being written, never the last good state.
        _hardStateFile.Seek((long)(_hardStateSeq % 2) * HardStateSlot, SeekOrigin.Begin);
        _hardStateFile.Write(slot);
        _hardStateFile.Flush(flushToDisk: sync);
        HardState = hs;
    }

    private void LoadHardState()
    {
        Span<byte> both = stackalloc byte[2 * HardStateSlot];
        _hardStateFile.Seek(0, SeekOrigin.Begin);
        var read = _hardStateFile.ReadAtLeast(both, both.Length, throwOnEndOfStream: false);
        for (var s = 0; s < 2; s++)
        {
            if (read < (s + 1) * HardStateSlot) break;
            var slot = both.Slice(s * HardStateSlot, HardStateSlot);
            if (Crc32C.Compute(slot[..32]) != BinaryPrimitives.ReadUInt32LittleEndian(slot[32..])) continue;
            var seq = BinaryPrimitives.ReadUInt64LittleEndian(slot);
            if (seq <= _hardStateSeq) continue;
            _hardStateSeq = seq;
            HardState = new HardState(
                BinaryPrimitives.ReadUInt64LittleEndian(slot[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(slot[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(slot[24..]));
        }
    }

    private void LoadSegments()
    {
        var files = Directory.GetFiles(_dir, "log-*.seg")
            .Select(p => (First: ulong.Parse(Path.GetFileName(p)[4..24], System.Globalization.CultureInfo.InvariantCulture), Path: p))
            .OrderBy(x => x.First).ToList();
        var report = new List<string>();
        for (var s = 0; s < files.Count; s++)
        {
            var (first, path) = files[s];
            var bytes = File.ReadAllBytes(path);
            var pos = 0;
            var expected = first;
            while (pos + RecordHeader + EntryHeader <= bytes.Length)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
                if (length < EntryHeader || pos + RecordHeader + (long)length > bytes.Length) break;
                var payload = bytes.AsSpan(pos + RecordHeader, length);
                if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 4))) break;
                var term = BinaryPrimitives.ReadUInt64LittleEndian(payload);
                var index = BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]);
                if (index != expected) break;
                if (index > _offset)
                {
                    if (index != LastIndex + 1)
                        throw new InvalidDataException($"{path}: entry {index} does not follow {LastIndex}");
                    _entries.Add(new Entry(term, index, (EntryType)payload[16], payload[EntryHeader..].ToArray()));
                    _positions.Add((first, pos));
                }
                pos += RecordHeader + length;
                expected++;
            }
            if (pos < bytes.Length)
            {
                // Only the last segment may end in a partial write; anywhere else good data would follow bad.
                if (s != files.Count - 1)
                    throw new InvalidDataException($"{path}: corrupt record at offset {pos} in a sealed segment");
                using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    f.SetLength(pos);
                    f.Flush(flushToDisk: true);
                }
                report.Add($"truncated torn tail of {Path.GetFileName(path)} at offset {pos} ({bytes.Length - pos} bytes dropped)");
            }
            _segments.Add((first, path));
        }
        if (_segments.Count > 0)
        {
            _active = new FileStream(_segments[^1].Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _active.Seek(0, SeekOrigin.End);
        }
        RecoveryReport = report.Count == 0 ? $"clean: {_entries.Count} entries after {_offset}" : string.Join("; ", report);
    }

    private void ApplySnapshot(Snapshot snapshot)
    {
        if (snapshot.Metadata.Index <= _snapshot.Metadata.Index) return;
        // §7: the snapshot replaces the whole log (the core keeps a matching log instead of sending one).
        // Order: temp file durable, old log gone, then the rename — so a crash leaves either the old
        // state or a complete temp file that startup promotes, never new snapshot + stale log.
        WriteSnapshotTemp(snapshot);
        _active?.Dispose();
        _active = null;
        foreach (var (_, path) in _segments) File.Delete(path);
        _segments.Clear();
        _entries.Clear();
        _positions.Clear();
        FsyncDirectory();
        PromoteSnapshotTemp();
        _snapshot = snapshot;
        _offset = snapshot.Metadata.Index;
        _offsetTerm = snapshot.Metadata.Term;
    }

    /// <inheritdoc/>
    public void CreateSnapshot(ulong index, ConfState confState, ReadOnlyMemory<byte> data)
    {
        if (index <= _snapshot.Metadata.Index) return;
        if (!TryGetTerm(index, out var term)) throw new InvalidOperationException($"snapshot {index} outside the log");
        var snapshot = new Snapshot(new SnapshotMetadata(index, term, confState), data);
        WriteSnapshotTemp(snapshot);
        PromoteSnapshotTemp();
        _snapshot = snapshot;
    }

    /// <inheritdoc/>
    public void Compact(ulong index)
    {
        if (index <= _offset) return;
        if (index > _snapshot.Metadata.Index) throw new InvalidOperationException($"compacting {index} past snapshot {_snapshot.Metadata.Index}");
        TryGetTerm(index, out var term);
        var n = (int)(index - _offset);
        _entries.RemoveRange(0, n);
        _positions.RemoveRange(0, n);
        _offset = index;
        _offsetTerm = term;
        // Delete whole segments that hold nothing past the compaction point.
        while (_segments.Count > 1 && _segments[1].FirstIndex <= index + 1)
        {
            File.Delete(_segments[0].Path);
            _segments.RemoveAt(0);
        }
    }

    private string SnapshotPath => Path.Combine(_dir, "snapshot");
    private string SnapshotTempPath => Path.Combine(_dir, "snapshot.tmp");

    private void WriteSnapshotTemp(Snapshot snapshot)
    {
        var meta = snapshot.Metadata;
        var body = new MemoryStream();
        Span<byte> u64 = stackalloc byte[8];
        void Put(ulong v, Span<byte> b) { BinaryPrimitives.WriteUInt64LittleEndian(b, v); body.Write(b); }
        Put(meta.Index, u64);
        Put(meta.Term, u64);
        Put((ulong)meta.ConfState.Voters.Count, u64);
        foreach (var v in meta.ConfState.Voters) Put(v, u64);
        Put((ulong)meta.ConfState.Learners.Count, u64);
        foreach (var l in meta.ConfState.Learners) Put(l, u64);
        Put((ulong)snapshot.Data.Length, u64);
        body.Write(snapshot.Data.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(u64, Crc32C.Compute(body.GetBuffer().AsSpan(0, (int)body.Length)));
        body.Write(u64[..4]);
        using var f = new FileStream(SnapshotTempPath, FileMode.Create, FileAccess.Write);
        f.Write(body.GetBuffer(), 0, (int)body.Length);
        f.Flush(flushToDisk: true);
    }

    private void PromoteSnapshotTemp()
    {
        File.Move(SnapshotTempPath, SnapshotPath, overwrite: true);
        FsyncDirectory();
    }

    private void RecoverSnapshotTemp()
    {
        if (!File.Exists(SnapshotTempPath)) return;
        if (TryReadSnapshot(File.ReadAllBytes(SnapshotTempPath)) is not null) PromoteSnapshotTemp();
        else File.Delete(SnapshotTempPath);
    }

    private void LoadSnapshot()
    {
        if (!File.Exists(SnapshotPath)) return;
        _snapshot = TryReadSnapshot(File.ReadAllBytes(SnapshotPath))
            ?? throw new InvalidDataException($"{SnapshotPath}: checksum mismatch (snapshots are renamed into place, so this is not a torn write)");
    }

    private static Snapshot? TryReadSnapshot(byte[] bytes)
    {
        if (bytes.Length < 44 || Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
            return null;
        var pos = 0;
        ulong Get() { var v = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos)); pos += 8; return v; }
        var index = Get();
        var term = Get();
        var voters = new ulong[Get()];
        for (var i = 0; i < voters.Length; i++) voters[i] = Get();
        var learners = new ulong[Get()];
        for (var i = 0; i < learners.Length; i++) learners[i] = Get();
        var length = (int)Get();
        return new Snapshot(new SnapshotMetadata(index, term, new ConfState(voters, learners)), bytes.AsSpan(pos, length).ToArray());
    }

    // A new or renamed file is durable only once its directory entry is (POSIX).
    private void FsyncDirectory() => DirectorySync.Flush(_dir);

    /// <inheritdoc/>
    public void Dispose()
    {
        _active?.Dispose();
        _hardStateFile.Dispose();
    }
}
