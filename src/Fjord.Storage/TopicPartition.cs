using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Fjord.Storage;

/// <summary>
/// A topic name and a partition number: the identity of one partition log. <see cref="ToString"/>
/// gives Kafka's directory name <c>topic-3</c>. Immutable; safe from any thread.
/// </summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <summary>The directory name Kafka uses for this partition's log: <c>&lt;topic&gt;-&lt;partition&gt;</c>.</summary>
    public override string ToString() => Topic + "-" + Partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a partition directory name such as <c>my-topic-3</c>. Topic names may contain '-', so the
    /// partition is what follows the last '-'. Returns false for anything else (including Kafka's
    /// <c>.delete</c>/<c>.future</c> directories, whose suffix is not a number).
    /// </summary>
    public static bool TryParseDirectoryName(string name, [NotNullWhen(true)] out TopicPartition? topicPartition)
    {
        topicPartition = null;
        int dash = name.LastIndexOf('-');
        if (dash <= 0 || dash == name.Length - 1)
            return false;
        var digits = name.AsSpan(dash + 1);
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
                return false;
        }
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int partition))
            return false;
        topicPartition = new TopicPartition(name[..dash], partition);
        return true;
    }

    /// <summary>Parses a partition directory name; throws <see cref="FormatException"/> if it is not one.</summary>
    public static TopicPartition ParseDirectoryName(string name) =>
        TryParseDirectoryName(name, out var tp) ? tp.Value : throw new FormatException($"'{name}' is not a partition directory name (<topic>-<partition>)");
}
