using System.Globalization;
using System.Text;

namespace Fjord.Storage;

/// <summary>
/// A partition's leader epochs and the offset each began at, kept in <c>leader-epoch-checkpoint</c> in
/// the partition directory in Kafka's text format (a version line <c>0</c>, a count line, then
/// <c>epoch startOffset</c> lines, oldest first) — Kafka's <c>LeaderEpochFileCache</c>. The replication
/// layer answers OffsetForLeaderEpoch with <see cref="EndOffsetFor"/> and truncates followers with it
/// (KIP-101, KIP-279). Every change is written atomically (temporary file, fsync, rename).
/// Thread-safe: one lock around the entries and the file.
/// </summary>
public sealed class LeaderEpochCache
{
    /// <summary>Kafka's file name.</summary>
    public const string FileName = "leader-epoch-checkpoint";

    /// <summary>Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.</summary>
    public const int UndefinedEpoch = -1;

    public const long UndefinedEpochOffset = -1;

    private const int CurrentVersion = 0;

    private readonly Lock _lock = new();
    private readonly List<(int Epoch, long StartOffset)> _entries = [];

    /// <summary>Loads the cache from <paramref name="path"/> (empty when the file does not exist).</summary>
    /// <exception cref="FormatException">The file is not a leader-epoch checkpoint.</exception>
    public LeaderEpochCache(string path)
    {
        Path = path;
        if (!File.Exists(path))
            return;
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0].Trim() != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || lines.Length < 2 + count)
            throw new FormatException($"{path} is not a version-0 leader-epoch checkpoint");
        for (int i = 0; i < count; i++)
        {
            string[] parts = lines[2 + i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
                throw new FormatException($"{path} line {i + 3} is not 'epoch startOffset'");
            _entries.Add((epoch, offset));
        }
    }

    public string Path { get; }

    /// <summary>The newest epoch, or <see cref="UndefinedEpoch"/> when empty.</summary>
    public int LatestEpoch
    {
        get
        {
            lock (_lock)
                return _entries.Count == 0 ? UndefinedEpoch : _entries[^1].Epoch;
        }
    }

    /// <summary>A copy of the entries, oldest first.</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> Entries
    {
        get
        {
            lock (_lock)
                return _entries.ToArray();
        }
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> (Kafka's
    /// <c>assign</c>): ignored when the epoch is already the latest; entries it contradicts (an epoch at
    /// least as new, or a start offset at least as large) are removed first. Returns whether it changed.
    /// </summary>
    /// <exception cref="IOException">The checkpoint could not be written.</exception>
    public bool Assign(int epoch, long startOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        lock (_lock)
        {
            if (_entries.Count > 0 && _entries[^1].Epoch == epoch)
                return false;
            _entries.RemoveAll(e => e.Epoch >= epoch || e.StartOffset >= startOffset);
            _entries.Add((epoch, startOffset));
            Write();
            return true;
        }
    }

    /// <summary>
    /// Kafka's <c>LeaderEpochFileCache.endOffsetFor</c>: the largest known epoch at or below
    /// <paramref name="requestedEpoch"/> and its end offset — the start offset of the next known epoch, or
    /// <paramref name="logEndOffset"/> when it is the latest. A requested epoch older than every entry
    /// answers (<paramref name="requestedEpoch"/>, start offset of the first entry), as Kafka does since
    /// KIP-279: those records are gone and a follower or consumer must not keep anything past the first
    /// epoch's start. An undefined requested epoch or an empty cache answers (<see cref="UndefinedEpoch"/>,
    /// <see cref="UndefinedEpochOffset"/>). A requested epoch newer than every entry answers the latest
    /// epoch and the log end offset: Kafka's leader assigns its epoch when elected so that case cannot
    /// arise there, while Fjord assigns it at the first append in the epoch, and the answer is the one
    /// Kafka's assignment would give.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        lock (_lock)
        {
            if (_entries.Count == 0 || requestedEpoch == UndefinedEpoch)
                return (UndefinedEpoch, UndefinedEpochOffset);
            if (requestedEpoch >= _entries[^1].Epoch)
                return (_entries[^1].Epoch, logEndOffset);
            int higher = 0;
            while (_entries[higher].Epoch <= requestedEpoch)
                higher++;
            if (higher == 0)
                return (requestedEpoch, _entries[0].StartOffset);
            return (_entries[higher - 1].Epoch, _entries[higher].StartOffset);
        }
    }

    /// <summary>After the log is truncated to <paramref name="endOffset"/>: drops epochs starting at or after it.</summary>
    public void TruncateFromEnd(long endOffset)
    {
        lock (_lock)
        {
            if (_entries.RemoveAll(e => e.StartOffset >= endOffset) > 0)
                Write();
        }
    }

    /// <summary>Forgets every epoch (Kafka's <c>clearAndFlush</c>), when the log is truncated fully.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            Write();
        }
    }

    /// <summary>
    /// After the log start offset moved to <paramref name="startOffset"/>: drops epochs that ended before
    /// it and moves the first remaining epoch's start up to it (Kafka's <c>truncateFromStart</c>).
    /// </summary>
    public void TruncateFromStart(long startOffset)
    {
        lock (_lock)
        {
            int firstKept = -1;
            for (int i = 0; i < _entries.Count; i++)
            {
                if (_entries[i].StartOffset <= startOffset)
                    firstKept = i;
            }
            if (firstKept < 0 || (firstKept == 0 && _entries[0].StartOffset == startOffset))
                return;
            var (epoch, _) = _entries[firstKept];
            _entries.RemoveRange(0, firstKept);
            _entries[0] = (epoch, startOffset);
            Write();
        }
    }

    private void Write()
    {
        var text = new StringBuilder();
        text.Append(CurrentVersion.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append(_entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (epoch, offset) in _entries)
            text.Append(epoch.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(offset.ToString(CultureInfo.InvariantCulture)).Append('\n');
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        string tmp = Path + ".tmp";
        using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(tmp, Path, overwrite: true);
    }
}
