using System.Globalization;

namespace Fjord.Storage.Segments;

/// <summary>
/// Kafka's file names inside a partition directory: <c>&lt;20-digit base offset&gt;.log</c>,
/// <c>.index</c>, <c>.timeindex</c>, <c>.txnindex</c>, <c>.snapshot</c>, and the <c>.deleted</c> suffix of a segment
/// waiting for <c>file.delete.delay.ms</c>. Stateless; safe from any thread.
/// </summary>
internal static class LogFileNames
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";
    public const string SnapshotSuffix = ".snapshot";
    public const string TxnIndexSuffix = ".txnindex";
    public const string DeletedSuffix = ".deleted";

    /// <summary>The 20-digit zero-padded offset Kafka uses so names sort in offset order.</summary>
    public static string OffsetPrefix(long offset) => offset.ToString("D20", CultureInfo.InvariantCulture);

    public static string LogFile(string dir, long baseOffset) => Path.Combine(dir, OffsetPrefix(baseOffset) + LogSuffix);

    public static string IndexFile(string dir, long baseOffset) => Path.Combine(dir, OffsetPrefix(baseOffset) + IndexSuffix);

    public static string TimeIndexFile(string dir, long baseOffset) => Path.Combine(dir, OffsetPrefix(baseOffset) + TimeIndexSuffix);

    public static string TxnIndexFile(string dir, long baseOffset) => Path.Combine(dir, OffsetPrefix(baseOffset) + TxnIndexSuffix);

    public static string SnapshotFile(string dir, long offset) => Path.Combine(dir, OffsetPrefix(offset) + SnapshotSuffix);

    /// <summary>Parses the offset from a name such as <c>00000000000000000042.log</c>; false for anything else.</summary>
    public static bool TryParseOffset(string fileName, string suffix, out long offset)
    {
        offset = -1;
        if (!fileName.EndsWith(suffix, StringComparison.Ordinal))
            return false;
        var digits = fileName.AsSpan(0, fileName.Length - suffix.Length);
        if (digits.Length != 20)
            return false;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}
