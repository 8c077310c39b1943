using System.Globalization;
using System.Text;

namespace Fjord.Storage;

/// <summary>
/// Kafka's offset checkpoint text files in a data dir (<c>recovery-point-offset-checkpoint</c>,
/// <c>log-start-offset-checkpoint</c>, <c>replication-offset-checkpoint</c>): a version line (0), a
/// count line, then one <c>topic partition offset</c> line per partition. Written atomically: a
/// temporary file is fsync'd and renamed over the old one, so a crash leaves the old or the new
/// checkpoint, never a torn one. Stateless; callers serialize writes to the same path.
/// </summary>
public static class OffsetCheckpointFile
{
    public const string RecoveryPointFileName = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetFileName = "log-start-offset-checkpoint";
    public const string ReplicationOffsetFileName = "replication-offset-checkpoint";
    public const string CleanerOffsetFileName = "cleaner-offset-checkpoint";

    private const int CurrentVersion = 0;

    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<TopicPartition, long>> offsets)
    {
        var lines = new StringBuilder();
        int count = 0;
        var body = new StringBuilder();
        foreach (var (tp, offset) in offsets)
        {
            body.Append(tp.Topic).Append(' ').Append(tp.Partition.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(offset.ToString(CultureInfo.InvariantCulture)).Append('\n');
            count++;
        }
        lines.Append(CurrentVersion.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(body);
        byte[] bytes = Encoding.UTF8.GetBytes(lines.ToString());
        string tmp = path + ".tmp";
        using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a checkpoint; an absent file is empty.</summary>
    /// <exception cref="FormatException">The file is not a version-0 checkpoint.</exception>
    public static Dictionary<TopicPartition, long> Read(string path)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (!File.Exists(path))
            return result;
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0].Trim() != "0")
            throw new FormatException($"{path}: unsupported checkpoint version or header");
        if (!int.TryParse(lines[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count != lines.Length - 2)
            throw new FormatException($"{path}: expected {lines[1]} entries, found {lines.Length - 2}");
        for (int i = 2; i < lines.Length; i++)
        {
            // Topic names cannot contain spaces, so the last two fields are partition and offset.
            string[] parts = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int partition)
                || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long offset))
            {
                throw new FormatException($"{path}: malformed line {i + 1}: '{lines[i]}'");
            }
            result[new TopicPartition(parts[0], partition)] = offset;
        }
        return result;
    }
}
